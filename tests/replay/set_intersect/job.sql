-- INTERSECT.

CREATE TABLE results (
  customer STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT customer FROM orders INTERSECT SELECT customer FROM customers;
