-- A filter in a view of SESSION TVF rows, and one on window_end by the aggregate over it: Flink merges
-- them into one filter that reads a window column, so it windows all rows first.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW long_views AS
SELECT * FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
WHERE duration_ms >= 3000;

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*) FROM long_views WHERE window_end > TIMESTAMP '2024-06-03 08:30:00'
GROUP BY user_id, window_start, window_end;
