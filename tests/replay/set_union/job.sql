-- UNION (distinct), NULL kept once.

CREATE TABLE results (
  customer STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT customer FROM orders UNION SELECT customer FROM customers;
