-- Deduplication (first bid per bidder) and Top-N (three highest bids per auction, ties by bidId).

CREATE TABLE firstBids (bidderId BIGINT, bidId BIGINT, bidPrice BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE topBids (auctionId BIGINT, bidId BIGINT, bidPrice BIGINT, rankNo BIGINT) WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO firstBids
SELECT bidderId, bidId, bidPrice FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY bidderId ORDER BY `dateTime` ASC) AS rowNum FROM bids
) WHERE rowNum = 1;
INSERT INTO topBids
SELECT auctionId, bidId, bidPrice, rankNo FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auctionId ORDER BY bidPrice DESC, bidId ASC) AS rankNo FROM bids
) WHERE rankNo <= 3;
END;
