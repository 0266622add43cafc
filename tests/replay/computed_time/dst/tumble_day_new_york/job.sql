-- Daily TUMBLE windows over a TIMESTAMP_LTZ rowtime in America/New_York, across the spring-forward of
-- 2024-03-10 (a 23-hour day): windows start at local midnight; window_time is the instant of 23:59:59.999.

SET 'table.local-time-zone' = 'America/New_York';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, CAST(window_time AS STRING), COUNT(*)
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '1' DAY))
GROUP BY window_start, window_end, window_time;
