-- Three orders of one customer within 30 minutes, each in another currency (a fraud pattern's shape).
-- PATTERN (...) WITHIN: the replay reads it and matches as Flink does.

CREATE TABLE currency_hops (
  customer       STRING,
  first_order    BIGINT,
  last_order     BIGINT,
  first_currency STRING,
  last_currency  STRING,
  started        TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW hops AS
SELECT *
FROM orders
  MATCH_RECOGNIZE (
    PARTITION BY customer
    ORDER BY ts
    MEASURES
      A.order_id AS first_order,
      C.order_id AS last_order,
      A.currency AS first_currency,
      C.currency AS last_currency,
      A.ts AS started
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C) WITHIN INTERVAL '30' MINUTE
    DEFINE
      B AS B.currency <> A.currency,
      C AS C.currency <> B.currency AND C.currency <> A.currency
  );

INSERT INTO currency_hops SELECT customer, first_order, last_order, first_currency, last_currency, started FROM hops;
