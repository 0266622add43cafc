-- Window join: per-customer order and payment counts in the same window.

CREATE TABLE results (
  window_start TIMESTAMP(3), customer STRING, orders_n BIGINT, payments_n BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW order_windows AS
SELECT customer, window_start, window_end, COUNT(*) AS orders_n
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTES))
GROUP BY customer, window_start, window_end;

CREATE TEMPORARY VIEW paid_orders AS
SELECT p.ts, o.customer FROM payments AS p JOIN orders AS o ON p.order_id = o.order_id
  AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '30' MINUTES;

CREATE TEMPORARY VIEW payment_windows AS
SELECT customer, window_start, window_end, COUNT(*) AS payments_n
FROM TABLE(TUMBLE(TABLE paid_orders, DESCRIPTOR(ts), INTERVAL '10' MINUTES))
GROUP BY customer, window_start, window_end;

INSERT INTO results
SELECT o.window_start, o.customer, o.orders_n, p.payments_n
FROM order_windows AS o JOIN payment_windows AS p
  ON o.customer = p.customer AND o.window_start = p.window_start AND o.window_end = p.window_end;
