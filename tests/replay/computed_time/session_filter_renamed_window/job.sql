-- A subquery renaming a SESSION TVF's window columns, filtered by the window aggregate over it: still a
-- window aggregate in Flink's plan (grouped by the renamed window_start and window_end), so the filter
-- picks the rows sessions are built from.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, ws, we, COUNT(*)
FROM (SELECT user_id, duration_ms, window_start AS ws, window_end AS we
      FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES)))
WHERE duration_ms >= 3000
GROUP BY user_id, ws, we;
