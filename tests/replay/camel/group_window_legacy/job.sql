-- Legacy GROUP BY TUMBLE(...) with its auxiliary functions, over camelCase columns.

CREATE TABLE results (
  auctionId BIGINT, windowStart TIMESTAMP(3), windowEnd TIMESTAMP(3), avgPrice BIGINT, minPrice BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT auctionId,
  TUMBLE_START(`dateTime`, INTERVAL '30' SECOND),
  TUMBLE_END(`dateTime`, INTERVAL '30' SECOND),
  AVG(bidPrice), MIN(bidPrice)
FROM bids
GROUP BY auctionId, TUMBLE(`dateTime`, INTERVAL '30' SECOND);
