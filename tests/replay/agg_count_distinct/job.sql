-- COUNT(DISTINCT ...): NULL is not counted.

CREATE TABLE results (
  product STRING, customers BIGINT, currencies BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT product, COUNT(DISTINCT customer), COUNT(DISTINCT currency) FROM orders GROUP BY product;
