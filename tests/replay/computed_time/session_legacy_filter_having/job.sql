-- Legacy GROUP BY SESSION(...) over an aliased table with WHERE and HAVING: WHERE picks the rows sessions
-- are built from, HAVING the sessions.

CREATE TABLE results (
  sensor_id STRING, s_start TIMESTAMP(3), readings BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT r.sensor_id, SESSION_START(r.rowtime, INTERVAL '90' SECOND), COUNT(*)
FROM readings AS r WHERE r.temperature < 30
GROUP BY r.sensor_id, SESSION(r.rowtime, INTERVAL '90' SECOND) HAVING COUNT(*) > 1;
