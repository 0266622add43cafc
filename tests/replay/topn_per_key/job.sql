-- Top-N: the three largest orders per product.

CREATE TABLE out (
  product STRING, order_id BIGINT, amount DOUBLE, rn BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT product, order_id, amount, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY product ORDER BY amount DESC) AS rn
  FROM orders WHERE amount IS NOT NULL
) WHERE rn <= 3;
