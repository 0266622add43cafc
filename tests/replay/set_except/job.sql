-- EXCEPT.

CREATE TABLE results (
  customer STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT customer FROM customers EXCEPT SELECT customer FROM orders;
