-- A view of a SESSION TVF's rows, filtered by the window aggregate over it: Flink reads through the view,
-- and the filter picks the rows sessions are built from.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW sessions AS
SELECT * FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES));

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*) FROM sessions WHERE duration_ms >= 3000
GROUP BY user_id, window_start, window_end;
