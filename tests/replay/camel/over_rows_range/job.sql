-- AVG(BIGINT) OVER ROWS and RANGE frames: the typed rewrite (truncate to BIGINT) wraps the whole
-- window call, not the aggregate inside it. (Flink computes one OVER window per SELECT.)

CREATE TABLE lastFive (bidId BIGINT, auctionId BIGINT, avgLast5 BIGINT, sumLast5 BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE lastTenSeconds (bidId BIGINT, auctionId BIGINT, avgLast10s BIGINT, maxLast10s BIGINT) WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO lastFive
SELECT bidId, auctionId,
  AVG(bidPrice) OVER (PARTITION BY auctionId ORDER BY `dateTime` ROWS BETWEEN 4 PRECEDING AND CURRENT ROW),
  SUM(bidPrice) OVER (PARTITION BY auctionId ORDER BY `dateTime` ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)
FROM bids;
INSERT INTO lastTenSeconds
SELECT bidId, auctionId,
  AVG(bidPrice) OVER (PARTITION BY auctionId ORDER BY `dateTime`
                      RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW),
  MAX(bidPrice) OVER (PARTITION BY auctionId ORDER BY `dateTime`
                      RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW)
FROM bids;
END;
