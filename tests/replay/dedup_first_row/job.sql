-- Deduplication keeping each customer's first order (by event time).

CREATE TABLE out (
  customer STRING, order_id BIGINT, ts TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT customer, order_id, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts ASC) AS rn FROM orders
) WHERE rn = 1;
