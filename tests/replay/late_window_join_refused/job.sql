-- The window join of late_window_join by the minute: some late rows come after their window has fired by
-- their own input's watermark. Flink drops such a row or not by how it interleaves its two inputs (the lower
-- of their watermarks decides), which is no fact of the files: the replay refuses, counting the rows.
CREATE TABLE paid_in_window (order_id BIGINT, customer STRING, amount DOUBLE, paid DOUBLE, window_start TIMESTAMP(3))
WITH ('connector' = 'blackhole');

INSERT INTO paid_in_window
SELECT o.order_id, o.customer, o.amount, p.paid, o.window_start
FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) o
LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE payments, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) p
ON o.order_id = p.order_id AND o.window_start = p.window_start AND o.window_end = p.window_end;
