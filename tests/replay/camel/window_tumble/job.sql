-- Window TVF over camelCase columns; AVG of a BIGINT is a BIGINT (truncated), COUNT DISTINCT.

CREATE TABLE results (
  auctionId BIGINT, windowStart TIMESTAMP(3), windowEnd TIMESTAMP(3),
  maxPrice BIGINT, avgPrice BIGINT, bidders BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT auctionId, window_start, window_end, MAX(bidPrice), AVG(bidPrice), COUNT(DISTINCT bidderId)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(`dateTime`), INTERVAL '20' SECOND))
GROUP BY auctionId, window_start, window_end;
