-- A WHERE before a legacy GROUP BY SESSION(...) filters the rows sessions are built from.

CREATE TABLE results (
  sensor_id STRING, s_start TIMESTAMP(3), s_end TIMESTAMP(3), readings BIGINT, max_temp DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT sensor_id, SESSION_START(rowtime, INTERVAL '90' SECOND), SESSION_END(rowtime, INTERVAL '90' SECOND),
       COUNT(*), MAX(temperature)
FROM readings
WHERE temperature >= 22
GROUP BY sensor_id, SESSION(rowtime, INTERVAL '90' SECOND);
