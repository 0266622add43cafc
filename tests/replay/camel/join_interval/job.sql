-- Interval join on camelCase keys and times; a view with camelCase aliases in between.

CREATE TABLE results (
  bidId BIGINT, itemName STRING, bidPrice BIGINT, aboveReserve BOOLEAN
) WITH ('connector' = 'blackhole');

CREATE VIEW liveBids AS
SELECT b.bidId, a.itemName, b.bidPrice, a.reservePrice AS reserveLimit
FROM bids AS b
JOIN auctions AS a
  ON b.auctionId = a.auctionId AND b.`dateTime` BETWEEN a.`dateTime` AND a.expiresAt;

INSERT INTO results
SELECT bidId, itemName, bidPrice, bidPrice >= reserveLimit FROM liveBids;
