-- OVER a 2-minute RANGE per customer over out-of-order orders: Flink drops a row not newer than the last
-- time its key's timers fired, which a late row may still be (and its state-cleanup timers count: eve).
CREATE TABLE recent (order_id BIGINT, customer STRING, ts TIMESTAMP(3), recent_n BIGINT, recent_total DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO recent
SELECT order_id, customer, ts,
  COUNT(*) OVER w, SUM(amount) OVER w
FROM orders
WINDOW w AS (PARTITION BY customer ORDER BY ts RANGE BETWEEN INTERVAL '2' MINUTE PRECEDING AND CURRENT ROW);
