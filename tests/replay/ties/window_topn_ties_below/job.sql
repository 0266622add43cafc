-- Window Top-2 where rows tie on the value only below the two kept per window: arrival order cannot change
-- which rows are kept, so the replay gives Flink's rows (ties among the kept rows are refused:
-- window_topn_ties).
CREATE TABLE results (sensor STRING, windowEnd TIMESTAMP(3), id BIGINT, val INT, rn BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT sensor, window_end, id, val, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor, window_start, window_end ORDER BY val DESC) AS rn
  FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '5' SECOND))
) WHERE rn <= 2;
