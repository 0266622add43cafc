-- IN (subquery).

CREATE TABLE out (
  order_id BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT order_id FROM orders WHERE customer IN (SELECT customer FROM customers WHERE tier = 'gold');
