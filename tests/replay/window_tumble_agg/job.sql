-- TUMBLE window aggregation per key (a NULL key is a group too).

CREATE TABLE results (
  customer STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), orders_n BIGINT, total DOUBLE, max_q INT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT customer, window_start, window_end, COUNT(*), SUM(amount), MAX(quantity)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTES))
GROUP BY customer, window_start, window_end;
