-- GROUPING SETS, including the grand total.

CREATE TABLE out (
  product STRING, currency STRING, n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT product, currency, COUNT(*) FROM orders GROUP BY GROUPING SETS ((product, currency), (product), ());
