-- Late orders into an interval join: order 29 (10:02:00) arrives when its stream's watermark is 10:03:35,
-- past its payment (10:03:33.860, the join's upper bound for it). Flink forgets the payment before the order
-- comes, or keeps it, by how it interleaves the two streams, so the replay refuses rather than pick one.
CREATE TABLE paid_quickly (order_id BIGINT, paid DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO paid_quickly
SELECT o.order_id, p.paid
FROM orders AS o JOIN payments AS p
  ON o.order_id = p.order_id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '10' MINUTE;
