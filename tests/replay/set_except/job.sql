-- EXCEPT.

CREATE TABLE out (
  customer STRING
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT customer FROM customers EXCEPT SELECT customer FROM orders;
