-- ROLLUP.

CREATE TABLE results (
  status STRING, product STRING, total DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT status, product, SUM(amount) FROM orders GROUP BY ROLLUP (status, product);
