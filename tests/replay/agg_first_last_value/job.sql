-- A room's first and last reported values (FIRST_VALUE / LAST_VALUE as group aggregates): Flink takes them
-- in arrival order, not in event-time order (the file order here differs), skipping NULLs.

CREATE TABLE readings (
  sensor_id    STRING,
  room         STRING,
  temperature  DOUBLE,
  humidity     INT,
  battery_mv   BIGINT,
  signal       TINYINT,
  pressure     DECIMAL(6, 2),
  reading_time TIMESTAMP(3),
  WATERMARK FOR reading_time AS reading_time - INTERVAL '30' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/readings.jsonl', 'format' = 'json');

CREATE TABLE sensor_bounds (
  sensor_id STRING, first_temperature DOUBLE, last_temperature DOUBLE, first_humidity INT, last_humidity INT,
  first_time TIMESTAMP(3), last_time TIMESTAMP(3), last_pressure DECIMAL(6, 2)
) WITH ('connector' = 'blackhole');

INSERT INTO sensor_bounds
SELECT sensor_id, FIRST_VALUE(temperature), LAST_VALUE(temperature), FIRST_VALUE(humidity), LAST_VALUE(humidity),
  FIRST_VALUE(reading_time), LAST_VALUE(reading_time), LAST_VALUE(pressure)
FROM readings
GROUP BY sensor_id;
