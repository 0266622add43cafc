-- Three rising orders of a customer within 30 minutes, as late_match_recognize, through a view of the paid
-- orders only: the view keeps the source's time attribute and arrival order, so Flink's CEP operator
-- drops the late rows among those the view keeps.
CREATE TEMPORARY VIEW paid_orders AS
SELECT order_id, customer, amount, ts FROM orders WHERE status = 'paid';

CREATE TABLE rising_orders (
  customer STRING, first_order BIGINT, last_order BIGINT, total DOUBLE, first_at TIMESTAMP(3), matched_at TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO rising_orders
SELECT customer, first_order, last_order, total, first_at, matched_at
FROM paid_orders
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
