-- Two readings of one sensor at the same time: Flink's OVER takes rows with equal times together, in arrival
-- order (LAG answers for the last of them), which the replay cannot see here, so it refuses the data.

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
SELECT sensor_id, reading_time, LAG(temperature) OVER (PARTITION BY sensor_id ORDER BY reading_time)
FROM readings;
