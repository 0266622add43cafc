-- OVER ROWS ordered by a text rowtime: each reading with the average of the sensor's last three.

CREATE TABLE results (
  sensor_id STRING, read_at STRING, temperature DOUBLE, avg_last3 DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT sensor_id, read_at, temperature,
  AVG(temperature) OVER (PARTITION BY sensor_id ORDER BY rowtime ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM readings;
