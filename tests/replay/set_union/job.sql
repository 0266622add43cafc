-- UNION (distinct), NULL kept once.

CREATE TABLE out (
  customer STRING
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT customer FROM orders UNION SELECT customer FROM customers;
