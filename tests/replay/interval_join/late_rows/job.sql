-- Orders shipped within four hours of being placed (the interval join of Flink's documentation, in a
-- warehouse's words), both streams out of order by a few rows: a row late by minutes, against bounds of hours,
-- is joined whatever the order Flink reads the two streams in, so the replay decides it.
CREATE TABLE shipped_in_time (order_id BIGINT, shipment_id BIGINT, warehouse STRING, hours_taken BIGINT)
WITH ('connector' = 'blackhole');

INSERT INTO shipped_in_time
SELECT o.order_id, s.shipment_id, o.warehouse, TIMESTAMPDIFF(HOUR, o.placed_at, s.shipped_at)
FROM orders_placed AS o, shipments AS s
WHERE o.order_id = s.order_id
  AND o.placed_at BETWEEN s.shipped_at - INTERVAL '4' HOUR AND s.shipped_at;

-- Every order, with its shipment when one came within four hours (a LEFT interval join: an order without
-- one is padded with NULLs once the shipments' watermark passes its bound).
CREATE TABLE order_shipping (order_id BIGINT, carrier STRING, shipment_id BIGINT)
WITH ('connector' = 'blackhole');

INSERT INTO order_shipping
SELECT o.order_id, s.carrier, s.shipment_id
FROM orders_placed AS o LEFT JOIN shipments AS s
  ON o.order_id = s.order_id AND s.shipped_at >= o.placed_at AND s.shipped_at < o.placed_at + INTERVAL '4' HOUR;
