-- Event-time temporal join against a versioned table, camelCase keys and time columns.

CREATE TABLE results (
  auctionId BIGINT, categoryId INT, feeRate DOUBLE, reserveFee DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT a.auctionId, a.categoryId, f.feeRate, a.reservePrice * f.feeRate
FROM auctions AS a
JOIN categoryFees FOR SYSTEM_TIME AS OF a.`dateTime` AS f
  ON a.categoryId = f.categoryId;
