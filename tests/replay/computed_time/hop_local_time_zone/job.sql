-- HOP windows over a TIMESTAMP_LTZ rowtime in America/New_York: local window bounds.

SET 'table.local-time-zone' = 'America/New_York';

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, COUNT(*)
FROM TABLE(HOP(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '10' MINUTES, INTERVAL '30' MINUTES))
GROUP BY user_id, window_start, window_end;
