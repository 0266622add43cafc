-- IN (subquery).

CREATE TABLE results (
  order_id BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id FROM orders WHERE customer IN (SELECT customer FROM customers WHERE tier = 'gold');
