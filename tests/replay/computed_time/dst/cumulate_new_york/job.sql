-- CUMULATE windows (6-hour steps of a day) over a TIMESTAMP_LTZ rowtime in America/New_York across a
-- daylight saving change.

SET 'table.local-time-zone' = 'America/New_York';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, CAST(window_time AS STRING), COUNT(*)
FROM TABLE(CUMULATE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '6' HOUR, INTERVAL '1' DAY))
GROUP BY window_start, window_end, window_time;
