-- Order 4 (09:00:20) arrives after order 3 (09:01:30) has moved the watermark to 09:01:25: the 09:00 window
-- has fired, and Flink drops the row (its count stays 2); a replay keeping every row would count 3.
CREATE TABLE minute_counts (window_start TIMESTAMP(3), orders BIGINT, amount DOUBLE) WITH ('connector' = 'blackhole');

INSERT INTO minute_counts
SELECT window_start, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;
