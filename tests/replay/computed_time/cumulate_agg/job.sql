-- CUMULATE over a rowtime computed from epoch milliseconds: views per user, every 5 minutes of the quarter hour.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT, total_ms INT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*), SUM(duration_ms)
FROM TABLE(CUMULATE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '15' MINUTES))
GROUP BY user_id, window_start, window_end;
