-- Deduplication keeping each product's last order: an updating result.

CREATE TABLE results (
  product STRING, order_id BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT product, order_id, amount FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY product ORDER BY ts DESC) AS rn FROM orders
) WHERE rn = 1;
