-- Keep the last row per sensor by time, with ties on the last time.
CREATE TABLE results (sensor STRING, id BIGINT, val INT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT sensor, id, val FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor ORDER BY ts DESC) AS rn FROM readings
) WHERE rn = 1;
