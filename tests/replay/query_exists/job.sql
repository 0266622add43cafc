-- EXISTS as a correlated boolean.

CREATE TABLE results (
  order_id BIGINT, paid BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.order_id, EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.order_id)
FROM orders AS o WHERE o.order_id <= 20;
