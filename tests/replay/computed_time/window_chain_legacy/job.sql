-- Chained legacy group windows: TUMBLE_ROWTIME of 1-minute windows as the time attribute of 5-minute ones.

CREATE TABLE results (
  w_start TIMESTAMP(3), w_end TIMESTAMP(3), total BIGINT, users BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW per_minute AS
SELECT user_id, TUMBLE_ROWTIME(rowtime, INTERVAL '1' MINUTE) AS rt, COUNT(*) AS n
FROM page_views GROUP BY user_id, TUMBLE(rowtime, INTERVAL '1' MINUTE);

INSERT INTO results
SELECT TUMBLE_START(rt, INTERVAL '5' MINUTE), TUMBLE_END(rt, INTERVAL '5' MINUTE), SUM(n), COUNT(DISTINCT user_id)
FROM per_minute GROUP BY TUMBLE(rt, INTERVAL '5' MINUTE);
