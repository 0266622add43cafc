-- UNION ALL of two streams.

CREATE TABLE out (
  id BIGINT, kind STRING, ts TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT order_id, 'order', ts FROM orders
UNION ALL
SELECT pay_id, 'payment', ts FROM payments;
