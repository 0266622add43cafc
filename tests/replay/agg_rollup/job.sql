-- ROLLUP.

CREATE TABLE out (
  status STRING, product STRING, total DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT status, product, SUM(amount) FROM orders GROUP BY ROLLUP (status, product);
