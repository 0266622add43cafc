-- Window join over CUMULATE windows of two computed rowtimes: views and purchases per user and window.

CREATE TABLE results (
  user_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT, purchases BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT v.user_id, v.window_start, v.window_end, v.view_count, p.purchases
FROM (
  SELECT user_id, window_start, window_end, COUNT(*) AS view_count
  FROM TABLE(CUMULATE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '15' MINUTES))
  GROUP BY user_id, window_start, window_end
) AS v
JOIN (
  SELECT user_id, window_start, window_end, COUNT(*) AS purchases
  FROM TABLE(CUMULATE(TABLE purchases, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '15' MINUTES))
  GROUP BY user_id, window_start, window_end
) AS p
ON v.user_id = p.user_id AND v.window_start = p.window_start AND v.window_end = p.window_end;
