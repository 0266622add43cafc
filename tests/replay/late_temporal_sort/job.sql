-- Orders re-sorted by event time (a temporal sort): Flink drops a row not newer than the last time it
-- emitted, and keeps one behind the watermark that is (emitted with the next watermark).
CREATE TABLE sorted_orders (order_id BIGINT, customer STRING, ts TIMESTAMP(3))
WITH ('connector' = 'blackhole');

INSERT INTO sorted_orders
SELECT order_id, customer, ts FROM orders ORDER BY ts;
