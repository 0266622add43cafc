-- Top-N without a partition, rank number not selected.

CREATE TABLE results (
  order_id BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, amount FROM (
  SELECT order_id, amount, ROW_NUMBER() OVER (ORDER BY amount ASC) AS rn
  FROM orders WHERE amount IS NOT NULL
) WHERE rn <= 5;
