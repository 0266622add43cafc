-- OVER with a RANGE interval frame per key.

CREATE TABLE results (
  order_id BIGINT, customer STRING, recent_total DOUBLE, recent_n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, customer,
  SUM(amount) OVER (PARTITION BY customer ORDER BY ts RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW),
  COUNT(*) OVER (PARTITION BY customer ORDER BY ts RANGE BETWEEN INTERVAL '10' MINUTE PRECEDING AND CURRENT ROW)
FROM orders;
