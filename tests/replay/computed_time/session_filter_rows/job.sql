-- A SESSION TVF's rows selected with a WHERE (no window aggregate): Flink windows all rows, then filters.

CREATE TABLE results (
  user_id STRING, page STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, page, window_start, window_end
FROM TABLE(SESSION(TABLE page_views PARTITION BY user_id, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
WHERE duration_ms >= 3000;
