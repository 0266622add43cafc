-- A subquery projecting a SESSION TVF's rows (renamed and computed columns), filtered by the window
-- aggregate over it and inside it: both filters pick the rows sessions are built from.

CREATE TABLE results (
  who STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT who, window_start, window_end, COUNT(*)
FROM (
  SELECT user_id AS who, duration_ms / 1000 AS secs, window_start, window_end
  FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
  WHERE page <> '/home'
) AS s
WHERE secs >= 3 AND who <> 'u4'
GROUP BY who, window_start, window_end;
