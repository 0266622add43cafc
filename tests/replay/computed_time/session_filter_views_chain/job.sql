-- Filters in two stacked views of SESSION TVF rows, read by a window aggregate: Flink merges them and
-- builds sessions from the rows both let through.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW browsing AS
SELECT user_id, page, duration_ms, window_start, window_end, window_time
FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
WHERE page <> '/home';

CREATE TEMPORARY VIEW long_browsing AS SELECT * FROM browsing WHERE duration_ms >= 2000;

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*) FROM long_browsing GROUP BY user_id, window_start, window_end;
