-- COUNT(DISTINCT ...): NULL is not counted.

CREATE TABLE out (
  product STRING, customers BIGINT, currencies BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT product, COUNT(DISTINCT customer), COUNT(DISTINCT currency) FROM orders GROUP BY product;
