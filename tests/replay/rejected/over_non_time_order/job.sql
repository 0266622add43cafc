-- A running total ordered by id: in a stream, OVER orders by the event time only.
CREATE TABLE running_totals (customer STRING, total DOUBLE) WITH ('connector' = 'blackhole');

INSERT INTO running_totals
SELECT customer, SUM(amount) OVER (PARTITION BY customer ORDER BY order_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM orders;
