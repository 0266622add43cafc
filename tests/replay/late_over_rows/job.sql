-- OVER the 2 preceding rows per customer, paid orders only, over out-of-order orders.
CREATE TABLE last_three (order_id BIGINT, customer STRING, total3 DOUBLE, max3 DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO last_three
SELECT order_id, customer,
  SUM(amount) OVER (PARTITION BY customer ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
  MAX(amount) OVER (PARTITION BY customer ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM orders
WHERE status = 'paid';
