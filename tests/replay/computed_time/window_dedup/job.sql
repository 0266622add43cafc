-- Window deduplication over a computed rowtime: each user's first page view of every 5-minute window.

CREATE TABLE results (
  window_start TIMESTAMP(3), user_id STRING, page STRING, view_ms BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, user_id, page, view_ms FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, user_id ORDER BY rowtime ASC) AS rn
  FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES))
) WHERE rn = 1;
