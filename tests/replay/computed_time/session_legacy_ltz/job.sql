-- Legacy GROUP BY SESSION(...) over a rowtime computed from epoch milliseconds.

CREATE TABLE results (
  user_id STRING, s_start TIMESTAMP(3), s_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, SESSION_START(rowtime, INTERVAL '2' MINUTE), SESSION_END(rowtime, INTERVAL '2' MINUTE), COUNT(*)
FROM page_views
GROUP BY user_id, SESSION(rowtime, INTERVAL '2' MINUTE);
