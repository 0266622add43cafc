-- Two-hour TUMBLE windows over a TIMESTAMP_LTZ rowtime in America/New_York: aligned to local even hours
-- in standard and daylight time alike.

SET 'table.local-time-zone' = 'America/New_York';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, CAST(window_time AS STRING), COUNT(*)
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '2' HOUR))
GROUP BY window_start, window_end, window_time;
