-- Chained windows through two views: the windowed rows (SELECT *), their 1-minute counts, then 5-minute sums.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), total BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW minute_rows AS
SELECT * FROM TABLE(TUMBLE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE));

CREATE TEMPORARY VIEW per_minute AS
SELECT user_id, window_time AS t, COUNT(*) AS n FROM minute_rows GROUP BY user_id, window_start, window_end, window_time;

INSERT INTO results
SELECT window_start, window_end, SUM(n)
FROM TABLE(TUMBLE(TABLE per_minute, DESCRIPTOR(t), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end;
