-- The first and last non-NULL readings in a sensor's running history and in sliding frames (OVER,
-- ordered by the reading's time): FIRST_VALUE / LAST_VALUE skip NULLs in Flink.

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

CREATE TABLE bounds_history (
  sensor_id STRING, reading_time TIMESTAMP(3), first_temperature DOUBLE, last_temperature DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TABLE bounds_2min (
  sensor_id STRING, reading_time TIMESTAMP(3), first_humidity INT, last_humidity INT
) WITH ('connector' = 'blackhole');

CREATE TABLE bounds_last3 (
  sensor_id STRING, reading_time TIMESTAMP(3), first_pressure DECIMAL(6, 2), last_pressure DECIMAL(6, 2),
  last_temperature DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO bounds_history
SELECT sensor_id, reading_time,
  FIRST_VALUE(temperature) OVER (PARTITION BY sensor_id ORDER BY reading_time),
  LAST_VALUE(temperature) OVER (PARTITION BY sensor_id ORDER BY reading_time)
FROM readings;

INSERT INTO bounds_2min
SELECT sensor_id, reading_time, FIRST_VALUE(humidity) OVER w, LAST_VALUE(humidity) OVER w
FROM readings
WINDOW w AS (PARTITION BY sensor_id ORDER BY reading_time RANGE BETWEEN INTERVAL '2' MINUTE PRECEDING AND CURRENT ROW);

INSERT INTO bounds_last3
SELECT sensor_id, reading_time, FIRST_VALUE(pressure) OVER w, LAST_VALUE(pressure) OVER w, LAST_VALUE(temperature) OVER w
FROM readings
WINDOW w AS (PARTITION BY sensor_id ORDER BY reading_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
