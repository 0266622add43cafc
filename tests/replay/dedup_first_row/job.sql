-- Deduplication keeping each customer's first order (by event time).

CREATE TABLE results (
  customer STRING, order_id BIGINT, ts TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT customer, order_id, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts ASC) AS rn FROM orders
) WHERE rn = 1;
