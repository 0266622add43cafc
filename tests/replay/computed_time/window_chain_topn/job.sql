-- Window Top-N over chained windows: the busiest user of each 5-minute window, from 1-minute counts.

CREATE TABLE results (
  window_start TIMESTAMP(3), user_id STRING, n BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW per_minute AS
SELECT user_id, window_start AS minute_start, window_time, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))
GROUP BY user_id, window_start, window_end, window_time;

INSERT INTO results
SELECT window_start, user_id, n FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY n DESC, user_id) AS rn
  FROM (SELECT window_start, window_end, user_id, SUM(n) AS n
        FROM TABLE(TUMBLE(TABLE per_minute, DESCRIPTOR(window_time), INTERVAL '5' MINUTES))
        GROUP BY window_start, window_end, user_id)
) WHERE rn = 1;
