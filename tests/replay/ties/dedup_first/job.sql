-- Keep the first row per sensor by time: two rows share the first time, the earlier arrival wins.
CREATE TABLE results (sensor STRING, id BIGINT, val INT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT sensor, id, val FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor ORDER BY ts ASC) AS rn FROM readings
) WHERE rn = 1;
