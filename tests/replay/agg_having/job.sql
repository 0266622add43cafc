-- HAVING on aggregates.

CREATE TABLE out (
  product STRING, n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT product, COUNT(*) FROM orders GROUP BY product HAVING COUNT(*) >= 10 AND MAX(amount) > 50;
