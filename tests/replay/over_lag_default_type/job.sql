-- LAG's default must have the value's type: Flink's planner fails on an INT default for a DOUBLE ("Please
-- explicitly cast default value"), and so does the replay's check.

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
  sensor_id STRING, reading_time TIMESTAMP(3), previous_temperature DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO reading_deltas
SELECT sensor_id, reading_time, LAG(temperature, 1, 0) OVER (PARTITION BY sensor_id ORDER BY reading_time)
FROM readings;
