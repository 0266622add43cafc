-- GROUPING SETS, including the grand total.

CREATE TABLE results (
  product STRING, currency STRING, n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT product, currency, COUNT(*) FROM orders GROUP BY GROUPING SETS ((product, currency), (product), ());
