-- IN and scalar subqueries, GROUP BY with HAVING, on camelCase names.

CREATE TABLE results (itemName STRING, bidCount BIGINT, topPrice BIGINT) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT a.itemName, COUNT(*), MAX(b.bidPrice)
FROM bids AS b JOIN auctions AS a ON b.auctionId = a.auctionId
WHERE b.bidderId IN (SELECT bidderId FROM bids WHERE bidPrice > 90)
GROUP BY a.itemName
HAVING COUNT(*) > 2;
