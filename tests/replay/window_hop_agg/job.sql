-- HOP (sliding) windows: slide 5 min, size 15 min.

CREATE TABLE results (
  product STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT product, window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTES, INTERVAL '15' MINUTES))
GROUP BY product, window_start, window_end;
