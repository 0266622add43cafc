-- Windows over a view that filters and projects the source (through two views): Flink keeps the source's
-- watermark and arrival order through them, and its window aggregate drops a row whose window has fired.
CREATE TEMPORARY VIEW paid_orders AS
SELECT order_id, customer, amount, ts FROM orders WHERE status = 'paid';

CREATE TEMPORARY VIEW large_paid_orders AS
SELECT * FROM paid_orders WHERE amount > 10;

CREATE TABLE paid_minutes (window_start TIMESTAMP(3), orders BIGINT, amount DOUBLE)
WITH ('connector' = 'blackhole');
CREATE TABLE large_paid_hops (window_end TIMESTAMP(3), orders BIGINT)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO paid_minutes
SELECT window_start, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE paid_orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;
INSERT INTO large_paid_hops
SELECT window_end, COUNT(*)
FROM TABLE(HOP(TABLE large_paid_orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '3' MINUTE))
GROUP BY window_start, window_end;
END;
