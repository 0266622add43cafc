-- LEAD looks at a later row: Flink refuses it in streaming mode (OVER windows see only rows up to the
-- current one).

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

CREATE TABLE next_readings (
  sensor_id STRING, reading_time TIMESTAMP(3), next_temperature DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO next_readings
SELECT sensor_id, reading_time, LEAD(temperature) OVER (PARTITION BY sensor_id ORDER BY reading_time)
FROM readings;
