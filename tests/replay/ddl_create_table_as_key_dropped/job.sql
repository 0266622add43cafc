-- The same upsert CTAS with Flink's sink NOT NULL enforcer set to DROP: the order without a customer is
-- dropped at the sink instead of failing the job (ddl_create_table_as_upsert), every other total kept.
SET 'table.exec.sink.not-null-enforcer' = 'DROP';

CREATE TABLE customer_totals (PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'blackhole')
AS SELECT customer, COUNT(DISTINCT product) AS products, SUM(amount) AS total, MAX(ts) AS last_order
   FROM orders
   WHERE status <> 'cancelled'
   GROUP BY customer;
