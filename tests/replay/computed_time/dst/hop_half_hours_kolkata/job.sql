-- HOP windows (30-minute slide, 2 hours) over a TIMESTAMP_LTZ rowtime in Asia/Kolkata (UTC+05:30): the
-- offset is a multiple of the slices, so Flink's windows keep every row.

SET 'table.local-time-zone' = 'Asia/Kolkata';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, CAST(window_time AS STRING), COUNT(*)
FROM TABLE(HOP(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '30' MINUTES, INTERVAL '2' HOUR))
GROUP BY window_start, window_end, window_time;
