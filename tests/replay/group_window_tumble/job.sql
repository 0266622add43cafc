-- Legacy group window: GROUP BY TUMBLE with _START, _END, _ROWTIME.

CREATE TABLE results (
  customer STRING, w_start TIMESTAMP(3), w_end TIMESTAMP(3), w_rowtime TIMESTAMP(3), n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT customer, TUMBLE_START(ts, INTERVAL '10' MINUTE), TUMBLE_END(ts, INTERVAL '10' MINUTE),
       TUMBLE_ROWTIME(ts, INTERVAL '10' MINUTE), COUNT(*)
FROM orders
GROUP BY customer, TUMBLE(ts, INTERVAL '10' MINUTE);
