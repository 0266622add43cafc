-- Features over the last hour and the last day in one SELECT: Flink computes one OVER window per SELECT.
CREATE TABLE order_features (order_id BIGINT, customer STRING, orders_1h BIGINT, orders_24h BIGINT) WITH ('connector' = 'blackhole');

INSERT INTO order_features
SELECT order_id, customer,
  COUNT(*) OVER (PARTITION BY customer ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW),
  COUNT(*) OVER (PARTITION BY customer ORDER BY ts RANGE BETWEEN INTERVAL '24' HOUR PRECEDING AND CURRENT ROW)
FROM orders;
