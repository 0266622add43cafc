-- SELECT DISTINCT.

CREATE TABLE out (
  product STRING, currency STRING
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT DISTINCT product, currency FROM orders;
