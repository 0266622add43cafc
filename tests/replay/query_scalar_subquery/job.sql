-- An uncorrelated scalar subquery.

CREATE TABLE out (
  order_id BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT order_id, amount FROM orders WHERE amount > (SELECT AVG(amount) * 1.5 FROM orders);
