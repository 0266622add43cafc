-- Spread of paid amounts per customer, through a view that filters the out-of-order orders: a TUMBLE and a
-- SESSION window over the view, with the rows each drops as late. Flink's STDDEV is its Welford sum in
-- arrival order, typed as its argument.
CREATE TEMPORARY VIEW paid AS SELECT * FROM orders WHERE status = 'paid';

CREATE TABLE minute_spread (customer STRING, window_start TIMESTAMP(3), spread DOUBLE, price_spread DECIMAL(10, 2),
                            n BIGINT)
WITH ('connector' = 'blackhole');
CREATE TABLE session_spread (customer STRING, window_start TIMESTAMP(3), spread DOUBLE, quantity_variance INT)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO minute_spread
SELECT customer, window_start, STDDEV_POP(amount), STDDEV_SAMP(price), COUNT(*)
FROM TABLE(TUMBLE(TABLE paid, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY customer, window_start, window_end;
INSERT INTO session_spread
SELECT customer, window_start, STDDEV_SAMP(amount), VAR_POP(quantity)
FROM TABLE(SESSION(TABLE paid PARTITION BY customer, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY customer, window_start, window_end;
END;
