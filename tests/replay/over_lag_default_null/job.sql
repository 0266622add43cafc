-- LAG with a default where the reading at the offset is NULL: Flink 2.3 gives neither NULL nor the default
-- reliably there (a DOUBLE default of 0.0 came back as -1.0), so the replay refuses the data.

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
  sensor_id STRING, reading_time TIMESTAMP(3), previous_humidity INT
) WITH ('connector' = 'blackhole');

INSERT INTO reading_deltas
SELECT sensor_id, reading_time, LAG(humidity, 1, -1) OVER (PARTITION BY sensor_id ORDER BY reading_time)
FROM readings;
