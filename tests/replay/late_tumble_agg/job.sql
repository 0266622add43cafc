-- Out-of-order orders (late by seconds to hours, ties, one row exactly at the watermark) into a 1-minute
-- TUMBLE per customer: Flink's window aggregate counts a row in its window unless the window has fired
-- (watermark >= window_end - 1 ms) when the row arrives.
CREATE TABLE minute_totals (customer STRING, window_start TIMESTAMP(3), orders BIGINT, amount DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO minute_totals
SELECT customer, window_start, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY customer, window_start, window_end;
