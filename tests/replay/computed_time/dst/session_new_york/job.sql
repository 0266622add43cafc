-- SESSION windows over a TIMESTAMP_LTZ rowtime in America/New_York: Flink measures the gap in local time,
-- so two views 29 minutes apart across the spring-forward (01:37 EST, 03:06 EDT) are two sessions.

SET 'table.local-time-zone' = 'America/New_York';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, CAST(window_time AS STRING), COUNT(*)
FROM TABLE(SESSION(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '30' MINUTES))
GROUP BY window_start, window_end, window_time;
