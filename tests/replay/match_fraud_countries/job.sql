-- The fraud shape: three payments of one card from three countries within 10 minutes (the third one less
-- than 10 minutes after the first: card c9's first try spans exactly 10 minutes and is no match).
CREATE TABLE suspicious (
  card STRING, first_tx BIGINT, last_tx BIGINT, countries STRING, total DOUBLE, first_at TIMESTAMP(3),
  matched_at TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO suspicious
SELECT * FROM transactions
  MATCH_RECOGNIZE (
    PARTITION BY card
    ORDER BY ts
    MEASURES
      A.tx_id AS first_tx,
      C.tx_id AS last_tx,
      A.country || '>' || B.country || '>' || C.country AS countries,
      A.amount + B.amount + C.amount AS total,
      A.ts AS first_at,
      MATCH_ROWTIME() AS matched_at
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C) WITHIN INTERVAL '10' MINUTE
    DEFINE
      B AS B.country <> A.country,
      C AS C.country <> A.country AND C.country <> B.country
  );
