-- A LEFT interval join writing the shipment's time: an order without a shipment within four hours is padded
-- with NULLs, and the shipment's time is still the sink's time attribute, which Flink copies into each
-- record's timestamp: Flink's job fails on the first padded row (a NullPointerException), so the replay fails
-- too. Its message says how to write the NULL: cast the column to a plain TIMESTAMP (the second sink).
CREATE TABLE order_shipping (order_id BIGINT, carrier STRING, shipped_at TIMESTAMP(3))
WITH ('connector' = 'blackhole');

INSERT INTO order_shipping
SELECT o.order_id, s.carrier, s.shipped_at
FROM orders_placed AS o LEFT JOIN shipments AS s
  ON o.order_id = s.order_id AND s.shipped_at BETWEEN o.placed_at AND o.placed_at + INTERVAL '4' HOUR;
