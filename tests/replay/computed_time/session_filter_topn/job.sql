-- Window Top-N over filtered SESSION TVF rows: the longest view of each session. No window aggregate, so
-- Flink builds sessions from all rows and filters them after.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), page STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, page FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, user_id ORDER BY duration_ms DESC, view_ms) AS rn
  FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
  WHERE duration_ms >= 3000
) WHERE rn = 1;
