-- A running total per customer (OVER unbounded) and the previous order's amount (LAG) over out-of-order
-- orders: Flink drops every row at or behind the watermark.
CREATE TABLE running_sums (order_id BIGINT, customer STRING, total DOUBLE, n BIGINT)
WITH ('connector' = 'blackhole');
CREATE TABLE previous_amount (order_id BIGINT, amount DOUBLE, previous DOUBLE)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO running_sums
SELECT order_id, customer,
  SUM(amount) OVER (PARTITION BY customer ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
  COUNT(*) OVER (PARTITION BY customer ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
FROM orders;
INSERT INTO previous_amount
SELECT order_id, amount, LAG(amount) OVER (PARTITION BY customer ORDER BY ts)
FROM orders;
END;
