-- SESSION windows over a TIMESTAMP_LTZ rowtime in a non-UTC session time zone: local window bounds.

SET 'table.local-time-zone' = 'America/New_York';

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), end_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, window_start, window_end, CAST(window_end AS STRING), COUNT(*)
FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
GROUP BY user_id, window_start, window_end;
