-- CREATE TABLE ... AS SELECT with a primary key (the upsert recipe): a running aggregate per customer, whose
-- updates the sink keeps per key; the declared key is the only column the statement names. Flink takes a key
-- only on a column its query cannot leave NULL, hence the COALESCE (rejected/ctas_nullable_key is without).
CREATE TABLE customer_totals (PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'blackhole')
AS SELECT COALESCE(customer, '(none)') AS customer, COUNT(DISTINCT product) AS products, SUM(amount) AS total,
          MAX(ts) AS last_order
   FROM orders
   WHERE status <> 'cancelled'
   GROUP BY COALESCE(customer, '(none)');
