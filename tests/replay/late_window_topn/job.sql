-- Window top-2 by amount per 2-minute window over out-of-order orders: Flink's window rank drops a row
-- whose window has fired.
CREATE TABLE top_orders (window_start TIMESTAMP(3), order_id BIGINT, amount DOUBLE, rn BIGINT)
WITH ('connector' = 'blackhole');

INSERT INTO top_orders
SELECT window_start, order_id, amount, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY amount DESC, order_id) AS rn
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '2' MINUTE))
) WHERE rn <= 2;
