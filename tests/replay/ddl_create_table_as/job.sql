-- CREATE TABLE ... AS SELECT, as Flink's DDL page shows it: the table takes the query's columns and types
-- (an expression without an alias is named EXPR$<position>, a time attribute becomes a plain timestamp), and
-- its INSERT runs in the same job as the other statements.
CREATE TABLE paid_orders WITH ('connector' = 'blackhole')
AS SELECT order_id, customer, price * quantity AS line_total, UPPER(currency), ts
   FROM orders
   WHERE status = 'paid' AND MOD(order_id, 3) <> 0;

CREATE TABLE quarter_hours WITH ('connector' = 'blackhole') AS
SELECT window_start, window_end, customer, COUNT(*) AS orders, SUM(price) AS spent, AVG(quantity)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '15' MINUTE))
GROUP BY window_start, window_end, customer;
