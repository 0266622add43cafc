-- Orders and their shipments, both streams out of order by a few rows (shared by the cases here).

CREATE TABLE orders_placed (
  order_id  BIGINT,
  warehouse STRING,
  placed_at TIMESTAMP(3),
  WATERMARK FOR placed_at AS placed_at - INTERVAL '1' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'inputs/orders_placed.jsonl', 'format' = 'json');

CREATE TABLE shipments (
  shipment_id BIGINT,
  order_id    BIGINT,
  carrier     STRING,
  shipped_at  TIMESTAMP(3),
  WATERMARK FOR shipped_at AS shipped_at - INTERVAL '30' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/shipments.jsonl', 'format' = 'json');
