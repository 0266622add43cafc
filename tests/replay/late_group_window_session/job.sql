-- The legacy GROUP BY SESSION over out-of-order orders, with a WHERE that picks the rows sessions are built
-- from: the same late rule as the SESSION TVF (a row touching an open session joins it; one whose own window
-- has ended by the watermark and touches none is dropped).
CREATE TABLE paid_sessions (customer STRING, session_start TIMESTAMP(3), session_end TIMESTAMP(3),
                            orders BIGINT, amount DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO paid_sessions
SELECT customer, SESSION_START(ts, INTERVAL '2' MINUTE), SESSION_END(ts, INTERVAL '2' MINUTE), COUNT(*), SUM(amount)
FROM orders
WHERE amount > 20
GROUP BY customer, SESSION(ts, INTERVAL '2' MINUTE);
