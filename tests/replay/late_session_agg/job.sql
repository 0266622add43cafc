-- Out-of-order orders into a SESSION window per customer (gap 90 s): Flink's merging window operator drops a
-- row whose own window [ts, ts + 90 s) touches no open session and has ended by the watermark; a late row that
-- touches an open session joins it (and may move its start earlier).
CREATE TABLE customer_sessions (customer STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3),
                                orders BIGINT, amount DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO customer_sessions
SELECT customer, window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE(SESSION(TABLE orders PARTITION BY customer, DESCRIPTOR(ts), INTERVAL '90' SECOND))
GROUP BY customer, window_start, window_end;
