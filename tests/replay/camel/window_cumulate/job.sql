-- CUMULATE windows per auction over camelCase names.

CREATE TABLE results (
  auctionId BIGINT, windowEnd TIMESTAMP(3), bidCount BIGINT, totalPrice BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT auctionId, window_end, COUNT(*), SUM(bidPrice)
FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(`dateTime`), INTERVAL '15' SECOND, INTERVAL '45' SECOND))
GROUP BY auctionId, window_start, window_end;
