-- HOP over a rowtime computed from text (TO_TIMESTAMP).

CREATE TABLE results (
  sensor_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), readings BIGINT, max_temp DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT sensor_id, window_start, window_end, COUNT(*), MAX(temperature)
FROM TABLE(HOP(TABLE readings, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES, INTERVAL '6' MINUTES))
GROUP BY sensor_id, window_start, window_end;
