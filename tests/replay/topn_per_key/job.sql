-- Top-N: the three largest orders per product.

CREATE TABLE results (
  product STRING, order_id BIGINT, amount DOUBLE, rn BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT product, order_id, amount, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY product ORDER BY amount DESC) AS rn
  FROM orders WHERE amount IS NOT NULL
) WHERE rn <= 3;
