-- Late orders into an interval join: the replay does not decide an interval join's late rows as Flink
-- does yet, so it refuses rather than differ.
CREATE TABLE paid_quickly (order_id BIGINT, paid DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO paid_quickly
SELECT o.order_id, p.paid
FROM orders AS o JOIN payments AS p
  ON o.order_id = p.order_id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '10' MINUTE;
