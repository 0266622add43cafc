-- UNION ALL of two streams.

CREATE TABLE results (
  id BIGINT, kind STRING, ts TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, 'order', ts FROM orders
UNION ALL
SELECT pay_id, 'payment', ts FROM payments;
