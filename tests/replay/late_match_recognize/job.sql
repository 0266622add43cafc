-- Three orders of a customer in a row, each larger than the one before, within 30 minutes, over out-of-order
-- orders: Flink's CEP operator drops every row at or behind the watermark it finds, then matches the rest
-- in event-time order.
CREATE TABLE rising_orders (
  customer STRING, first_order BIGINT, last_order BIGINT, total DOUBLE, first_at TIMESTAMP(3), matched_at TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO rising_orders
SELECT customer, first_order, last_order, total, first_at, matched_at
FROM orders
  MATCH_RECOGNIZE (
    PARTITION BY customer
    ORDER BY ts
    MEASURES
      A.order_id AS first_order,
      C.order_id AS last_order,
      A.amount + B.amount + C.amount AS total,
      A.ts AS first_at,
      MATCH_ROWTIME() AS matched_at
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C) WITHIN INTERVAL '30' MINUTE
    DEFINE B AS B.amount > A.amount, C AS C.amount > B.amount
  );
