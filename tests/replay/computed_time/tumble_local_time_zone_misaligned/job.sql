-- Hourly TUMBLE windows over a TIMESTAMP_LTZ rowtime in Asia/Kolkata (UTC+05:30): Flink aligns them to
-- local hours, but its window operator was seen to drop in-order rows (the first window entirely) when the
-- zone's offset is not a multiple of the window's slice. The replay refuses it rather than guess.

SET 'table.local-time-zone' = 'Asia/Kolkata';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), start_text STRING, time_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, CAST(window_start AS STRING), CAST(window_time AS STRING), COUNT(*)
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '1' HOUR))
GROUP BY window_start, window_end, window_time;
