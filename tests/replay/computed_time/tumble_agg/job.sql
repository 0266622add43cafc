-- TUMBLE over a rowtime computed from epoch milliseconds (TO_TIMESTAMP_LTZ).

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), view_count BIGINT, users BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, COUNT(*), COUNT(DISTINCT user_id)
FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end;
