-- Chained windows: a 5-minute TUMBLE over a view of 1-minute TUMBLE results, the view's window_time as the
-- next time attribute.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), minutes BIGINT, view_count BIGINT, busiest BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW per_minute AS
SELECT user_id, window_start AS minute_start, window_time, COUNT(*) AS view_count
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))
GROUP BY user_id, window_start, window_end, window_time;

INSERT INTO results
SELECT window_start, window_end, COUNT(DISTINCT minute_start), SUM(view_count), MAX(view_count)
FROM TABLE(TUMBLE(TABLE per_minute, DESCRIPTOR(window_time), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end;
