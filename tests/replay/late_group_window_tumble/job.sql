-- A legacy GROUP BY TUMBLE window with a filter, over out-of-order orders.
CREATE TABLE paid_per_minute (customer STRING, minute_start TIMESTAMP(3), orders BIGINT, amount DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO paid_per_minute
SELECT customer, TUMBLE_START(ts, INTERVAL '1' MINUTE), COUNT(*), SUM(amount)
FROM orders
WHERE status = 'paid'
GROUP BY customer, TUMBLE(ts, INTERVAL '1' MINUTE);
