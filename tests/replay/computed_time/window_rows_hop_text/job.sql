-- HOP windows' rows selected directly over a text rowtime (a row in each of its windows).

CREATE TABLE results (
  sensor_id STRING, temperature DOUBLE, rowtime TIMESTAMP(3), window_start TIMESTAMP(3), window_end TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT sensor_id, temperature, rowtime, window_start, window_end
FROM TABLE(HOP(TABLE readings, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
WHERE temperature > 25;
