-- A running count per customer is an updating result; a Kafka sink with the json format takes inserts only.
CREATE TABLE customer_counts (customer STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'customer_counts', 'format' = 'json');

INSERT INTO customer_counts
SELECT customer, COUNT(*) FROM orders GROUP BY customer;
