-- A WHERE over a SESSION TVF that also reads a window column: Flink windows all rows, then filters (the
-- filter cannot run before windowing), so sessions span the short views too.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
WHERE duration_ms >= 3000 AND window_end > TIMESTAMP '2024-06-03 08:30:00'
GROUP BY user_id, window_start, window_end;
