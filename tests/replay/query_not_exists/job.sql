-- NOT EXISTS: orders never paid.

CREATE TABLE results (
  order_id BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.order_id FROM orders AS o
WHERE NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.order_id);
