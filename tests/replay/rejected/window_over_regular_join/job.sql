-- A regular join's output keeps no time attribute: a window over it is refused.
CREATE TABLE hourly_paid (window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW paid_orders AS
SELECT o.order_id, o.ts AS order_ts, p.ts AS paid_ts
FROM orders o JOIN payments p ON o.order_id = p.order_id;

INSERT INTO hourly_paid
SELECT window_start, COUNT(*)
FROM TABLE(TUMBLE(TABLE paid_orders, DESCRIPTOR(order_ts), INTERVAL '1' HOUR))
GROUP BY window_start, window_end;
