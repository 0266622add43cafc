-- CREATE TABLE ... AS SELECT with a primary key (the upsert recipe): a running aggregate per customer, whose
-- updates the sink keeps per key; the declared key is the only column the statement names.
CREATE TABLE customer_totals (PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'blackhole')
AS SELECT customer, COUNT(DISTINCT product) AS products, SUM(amount) AS total, MAX(ts) AS last_order
   FROM orders
   WHERE status <> 'cancelled'
   GROUP BY customer;
