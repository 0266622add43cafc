-- Chained windows in one statement: a 5-minute TUMBLE over a CTE of 1-minute TUMBLE counts, the CTE's
-- window_time (renamed) as the next time attribute.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), total BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
WITH per_minute AS (
  SELECT user_id, window_time AS minute_time, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))
  GROUP BY user_id, window_start, window_end, window_time)
SELECT window_start, window_end, SUM(n)
FROM TABLE(TUMBLE(TABLE per_minute, DESCRIPTOR(minute_time), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end;
