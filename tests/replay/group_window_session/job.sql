-- Legacy group window: GROUP BY SESSION(ts, gap).

CREATE TABLE results (
  user_id STRING, s_start TIMESTAMP(3), s_end TIMESTAMP(3), n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, SESSION_START(ts, INTERVAL '5' MINUTE), SESSION_END(ts, INTERVAL '5' MINUTE), COUNT(*)
FROM clicks
GROUP BY user_id, SESSION(ts, INTERVAL '5' MINUTE);
