-- Event-time temporal join between two text-timestamp rowtimes: each reading against the sensor's
-- threshold in force at its time (readings before a sensor's first threshold are dropped).

CREATE TABLE results (
  sensor_id STRING, read_at STRING, temperature DOUBLE, max_temp DOUBLE, too_hot BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT r.sensor_id, r.read_at, r.temperature, t.max_temp, r.temperature > t.max_temp
FROM readings AS r JOIN thresholds FOR SYSTEM_TIME AS OF r.rowtime AS t ON r.sensor_id = t.sensor_id;
