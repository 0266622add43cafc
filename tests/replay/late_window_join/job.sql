-- Orders and their payments in the same 10-minute window (a window join), over streams where rows arrive
-- behind their watermark. Flink's window join drops a row whose window has fired by the lower of its two
-- inputs' watermarks; here every late row's window is still open by its own input's watermark, so none is
-- dropped however Flink interleaves the inputs.
CREATE TABLE paid_in_window (order_id BIGINT, customer STRING, amount DOUBLE, paid DOUBLE, window_start TIMESTAMP(3))
WITH ('connector' = 'blackhole');

INSERT INTO paid_in_window
SELECT o.order_id, o.customer, o.amount, p.paid, o.window_start
FROM (SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTE))) o
LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE payments, DESCRIPTOR(ts), INTERVAL '10' MINUTE))) p
ON o.order_id = p.order_id AND o.window_start = p.window_start AND o.window_end = p.window_end;
