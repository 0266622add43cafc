-- CUMULATE windows over out-of-order orders: a late row joins the remaining steps of its period.
CREATE TABLE running_totals (window_start TIMESTAMP(3), window_end TIMESTAMP(3), orders BIGINT, amount DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO running_totals
SELECT window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '4' MINUTE))
GROUP BY window_start, window_end;
