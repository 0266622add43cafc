-- Candles per customer over out-of-order orders: the first and last amount of each TUMBLE window, and every
-- order in it, in arrival order (Flink's FIRST_VALUE, LAST_VALUE and LISTAGG take rows as they arrive, not
-- by event time); a TVF window and a legacy GROUP BY window, with the rows each drops.
CREATE TABLE candles (customer STRING, window_start TIMESTAMP(3), opening DOUBLE, closing DOUBLE, orders STRING,
                      n BIGINT)
WITH ('connector' = 'blackhole');
CREATE TABLE half_minute_candles (customer STRING, window_start TIMESTAMP(3), opening DOUBLE, closing DOUBLE)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO candles
SELECT customer, window_start, FIRST_VALUE(amount), LAST_VALUE(amount), LISTAGG(CAST(order_id AS STRING)),
       COUNT(*)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY customer, window_start, window_end;
INSERT INTO half_minute_candles
SELECT customer, TUMBLE_START(ts, INTERVAL '30' SECOND), FIRST_VALUE(amount), LAST_VALUE(amount)
FROM orders
GROUP BY customer, TUMBLE(ts, INTERVAL '30' SECOND);
END;
