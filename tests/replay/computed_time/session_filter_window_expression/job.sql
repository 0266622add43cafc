-- A projection computing on the window columns between a SESSION TVF and its aggregate: Flink then
-- windows all rows first, and the WHERE filters windowed rows (sessions span the short views too).

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT, session_seconds INT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*), MAX(session_seconds)
FROM (SELECT user_id, duration_ms, window_start, window_end,
             TIMESTAMPDIFF(SECOND, window_start, window_end) AS session_seconds
      FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES)))
WHERE duration_ms >= 3000
GROUP BY user_id, window_start, window_end;
