-- Legacy group window: GROUP BY HOP(ts, slide, size).

CREATE TABLE results (
  h_start TIMESTAMP(3), h_end TIMESTAMP(3), total DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT HOP_START(ts, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE), HOP_END(ts, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE),
       SUM(amount)
FROM orders
GROUP BY HOP(ts, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE);
