-- A window aggregate whose argument computes on window columns over filtered SESSION TVF rows: Flink
-- windows all rows first, then filters.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT, session_seconds INT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*), MAX(TIMESTAMPDIFF(SECOND, window_start, window_end))
FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
WHERE duration_ms >= 3000
GROUP BY user_id, window_start, window_end;
