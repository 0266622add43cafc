-- SESSION windows over a TIMESTAMP_LTZ rowtime in Asia/Kolkata (UTC+05:30): sessions do not align to the
-- clock, so the zone's offset does not matter; bounds are local, window_time an LTZ.

SET 'table.local-time-zone' = 'Asia/Kolkata';

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, CAST(window_time AS STRING), COUNT(*)
FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
GROUP BY user_id, window_start, window_end, window_time;
