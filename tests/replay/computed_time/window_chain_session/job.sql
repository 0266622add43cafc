-- Chained windows: SESSION windows per user over a view of 1-minute TUMBLE counts (window_time as time).

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), minutes BIGINT, total BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW per_minute AS
SELECT user_id, window_time, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))
GROUP BY user_id, window_start, window_end, window_time;

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*), SUM(n)
FROM TABLE(SESSION(TABLE per_minute PARTITION BY user_id, DESCRIPTOR(window_time), INTERVAL '3' MINUTES))
GROUP BY user_id, window_start, window_end;
