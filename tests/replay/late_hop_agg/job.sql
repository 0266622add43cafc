-- HOP windows over out-of-order orders: a late row still counts in those of its windows that have not
-- fired (Flink merges its slice into them) and is dropped only when its last window has fired.
CREATE TABLE hop_totals (window_start TIMESTAMP(3), window_end TIMESTAMP(3), orders BIGINT, amount DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO hop_totals
SELECT window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '30' SECOND, INTERVAL '2' MINUTE))
GROUP BY window_start, window_end;
