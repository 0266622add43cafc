-- TUMBLE windows over a TIMESTAMP_LTZ rowtime follow the session time zone: 15-minute windows in
-- Asia/Kolkata (UTC+05:30); window_start and window_end are local TIMESTAMPs, window_time an LTZ.

SET 'table.local-time-zone' = 'Asia/Kolkata';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), start_text STRING, time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, CAST(window_start AS STRING), CAST(window_time AS STRING), COUNT(*)
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '15' MINUTES))
GROUP BY window_start, window_end, window_time;
