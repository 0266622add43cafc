-- The interval joins of Flink's own test program for them (orders and their shipments, times as text),
-- retold: order 3 arrives after order 5, behind the watermark, and is joined or padded as Flink does.
CREATE TABLE web_orders (
  id      INT,
  placed  STRING,
  placed_at AS TO_TIMESTAMP(placed),
  WATERMARK FOR placed_at AS placed_at - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/web_orders.jsonl', 'format' = 'json');

CREATE TABLE dispatches (
  id       INT,
  order_id INT,
  sent     STRING,
  sent_at AS TO_TIMESTAMP(sent),
  WATERMARK FOR sent_at AS sent_at - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/dispatches.jsonl', 'format' = 'json');

-- The bounds in WHERE: five seconds either way.
CREATE TABLE dispatched_near (order_id INT, placed STRING, sent STRING) WITH ('connector' = 'blackhole');

INSERT INTO dispatched_near
SELECT o.id, o.placed, d.sent
FROM web_orders o JOIN dispatches d ON o.id = d.order_id
WHERE o.placed_at BETWEEN d.sent_at - INTERVAL '5' SECOND AND d.sent_at + INTERVAL '5' SECOND;

-- Every order, padded when no dispatch is near.
CREATE TABLE every_order (order_id INT, placed STRING, sent STRING) WITH ('connector' = 'blackhole');

INSERT INTO every_order
SELECT o.id, o.placed, d.sent
FROM web_orders o LEFT JOIN dispatches d
  ON o.id = d.order_id AND o.placed_at BETWEEN d.sent_at - INTERVAL '5' SECOND AND d.sent_at + INTERVAL '5' SECOND;

-- Bounds that hold no time (from ten seconds after to five after): every order padded.
CREATE TABLE never_near (order_id INT, placed STRING, sent STRING) WITH ('connector' = 'blackhole');

INSERT INTO never_near
SELECT o.id, o.placed, d.sent
FROM web_orders o LEFT OUTER JOIN dispatches d
  ON o.id = d.order_id AND o.placed_at BETWEEN d.sent_at + INTERVAL '10' SECOND AND d.sent_at + INTERVAL '5' SECOND;
