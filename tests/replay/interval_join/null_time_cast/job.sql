-- interval_join/null_time with the shipment's time cast to a plain TIMESTAMP, as the replay's error
-- there advises: no longer a time attribute, it may be NULL, and Flink runs the job.
CREATE TABLE order_shipping (order_id BIGINT, carrier STRING, shipped_at TIMESTAMP(3))
WITH ('connector' = 'blackhole');

INSERT INTO order_shipping
SELECT o.order_id, s.carrier, CAST(s.shipped_at AS TIMESTAMP(3))
FROM orders_placed AS o LEFT JOIN shipments AS s
  ON o.order_id = s.order_id AND s.shipped_at BETWEEN o.placed_at AND o.placed_at + INTERVAL '4' HOUR;
