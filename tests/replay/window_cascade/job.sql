-- Cascading windows: a 15-minute window over 5-minute window results (window_time is a time attribute).

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), busiest BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW per_customer AS
SELECT customer, window_time AS rowtime, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTES))
GROUP BY customer, window_start, window_end, window_time;

INSERT INTO results
SELECT window_start, window_end, MAX(n)
FROM TABLE(TUMBLE(TABLE per_customer, DESCRIPTOR(rowtime), INTERVAL '15' MINUTES))
GROUP BY window_start, window_end;
