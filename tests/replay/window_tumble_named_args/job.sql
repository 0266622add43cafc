-- TUMBLE with named arguments; window_time is window_end minus 1 ms.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_time TIMESTAMP(3), n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_time, COUNT(*)
FROM TABLE(TUMBLE(DATA => TABLE orders, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '20' MINUTES))
GROUP BY window_start, window_end, window_time;
