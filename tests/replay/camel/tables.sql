-- camelCase schemas (auction site, Nexmark-like): Flink resolves these names case-sensitively, so the
-- replay must too, through every construct. Shared by the cases of this group.

CREATE TABLE bids (
  bidId      BIGINT,
  auctionId  BIGINT,
  bidderId   BIGINT,
  bidPrice   BIGINT,
  channelName STRING,
  `dateTime`   TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/bids.jsonl', 'format' = 'json');

CREATE TABLE auctions (
  auctionId    BIGINT,
  itemName     STRING,
  sellerId     BIGINT,
  reservePrice BIGINT,
  categoryId   INT,
  `dateTime`     TIMESTAMP(3),
  expiresAt    TIMESTAMP(3),
  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/auctions.jsonl', 'format' = 'json');

-- A versioned table: a category's fee rate over time.
CREATE TABLE categoryFees (
  categoryId INT,
  feeRate    DOUBLE,
  updatedAt  TIMESTAMP(3),
  PRIMARY KEY (categoryId) NOT ENFORCED,
  WATERMARK FOR updatedAt AS updatedAt
) WITH ('connector' = 'filesystem', 'path' = 'inputs/categoryFees.jsonl', 'format' = 'json');
