-- SESSION windows per sensor over a rowtime computed from text.

CREATE TABLE results (
  sensor_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), readings BIGINT, min_temp DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT sensor_id, window_start, window_end, COUNT(*), MIN(temperature)
FROM TABLE(SESSION(TABLE readings PARTITION BY sensor_id, DESCRIPTOR(rowtime), INTERVAL '90' SECONDS))
GROUP BY sensor_id, window_start, window_end;
