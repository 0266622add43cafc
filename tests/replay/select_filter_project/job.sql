-- Projection with arithmetic and a boolean expression; WHERE with AND/OR.

CREATE TABLE results (
  order_id BIGINT, customer STRING, total DOUBLE, big BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, customer, amount * 2 + 1, amount > 50
FROM orders
WHERE status = 'paid' AND (amount > 10 OR quantity >= 5);
