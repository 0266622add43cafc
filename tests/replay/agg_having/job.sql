-- HAVING on aggregates.

CREATE TABLE results (
  product STRING, n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT product, COUNT(*) FROM orders GROUP BY product HAVING COUNT(*) >= 10 AND MAX(amount) > 50;
