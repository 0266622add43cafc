-- A named WINDOW clause with AVG over an integer column, camelCase throughout.

CREATE TABLE results (
  bidId BIGINT, bidderId BIGINT, avgPrice BIGINT, bidCount BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT bidId, bidderId, AVG(bidPrice) OVER w, COUNT(*) OVER w
FROM bids
WINDOW w AS (PARTITION BY bidderId ORDER BY `dateTime` ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
