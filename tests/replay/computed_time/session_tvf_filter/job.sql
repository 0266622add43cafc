-- A WHERE over a SESSION TVF filters the rows sessions are built from (as Flink does): short views do not
-- extend or bridge a session.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
WHERE duration_ms >= 3000
GROUP BY user_id, window_start, window_end;
