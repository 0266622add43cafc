-- Change since a sensor's previous reading (LAG over the reading's time, as in Flink's own examples of
-- deltas): rows arrive out of order; the first reading of a sensor has no previous one (NULL, or the default).

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

CREATE TABLE reading_deltas (
  sensor_id STRING, reading_time TIMESTAMP(3), temperature DOUBLE,
  previous_temperature DOUBLE, temperature_change DOUBLE, humidity_two_back INT,
  previous_time TIMESTAMP(3), previous_room STRING, same_humidity INT
) WITH ('connector' = 'blackhole');

INSERT INTO reading_deltas
SELECT sensor_id, reading_time, temperature,
  LAG(temperature) OVER w, temperature - LAG(temperature, 1) OVER w, LAG(humidity, 2) OVER w,
  LAG(reading_time) OVER w, LAG(room, 1, 'none') OVER w, LAG(humidity, 0) OVER w
FROM readings
WINDOW w AS (PARTITION BY sensor_id ORDER BY reading_time);
