-- An uncorrelated scalar subquery.

CREATE TABLE results (
  order_id BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, amount FROM orders WHERE amount > (SELECT AVG(amount) * 1.5 FROM orders);
