-- INTERSECT.

CREATE TABLE out (
  customer STRING
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT customer FROM orders INTERSECT SELECT customer FROM customers;
