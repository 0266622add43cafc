-- CUMULATE windows (20-minute steps) over a TIMESTAMP_LTZ rowtime in Asia/Kolkata (UTC+05:30): 20 minutes
-- do not divide the offset, and Flink's window operator drops rows there; the replay refuses it.

SET 'table.local-time-zone' = 'Asia/Kolkata';

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, COUNT(*)
FROM TABLE(CUMULATE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '20' MINUTES, INTERVAL '1' HOUR))
GROUP BY window_start, window_end;
