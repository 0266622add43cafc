-- The upsert CTAS recipe over a nullable column: Flink refuses a primary key on a column its query can leave
-- NULL (the key of a CTAS table is not made NOT NULL for you), and so must the replay's gate, though DuckDB
-- could run the query. ddl_create_table_as_upsert is the form Flink takes (COALESCE makes the key NOT NULL).
CREATE TABLE customer_totals (PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'blackhole')
AS SELECT customer, COUNT(DISTINCT product) AS products, SUM(amount) AS total
   FROM orders
   GROUP BY customer;
