-- A typo: Flink's validator names the column and its place.
CREATE TABLE paid (order_id BIGINT, paid DOUBLE) WITH ('connector' = 'blackhole');

INSERT INTO paid
SELECT o.order_id, p.paid
FROM orders o, payments p
WHERE o.order_id = p.order_id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '1' HOUR
  AND o.customr = 'bob';
