-- Legacy GROUP BY SESSION(...) over a rowtime computed from text, with SESSION_START/END/ROWTIME.

CREATE TABLE results (
  sensor_id STRING, s_start TIMESTAMP(3), s_end TIMESTAMP(3), s_rowtime TIMESTAMP(3), readings BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT sensor_id, SESSION_START(rowtime, INTERVAL '90' SECOND), SESSION_END(rowtime, INTERVAL '90' SECOND),
       SESSION_ROWTIME(rowtime, INTERVAL '90' SECOND), COUNT(*)
FROM readings
GROUP BY sensor_id, SESSION(rowtime, INTERVAL '90' SECOND);
