-- A running spread of a DECIMAL column (OVER): Flink computes it in DECIMAL arithmetic whose scales the
-- replay does not reproduce yet, so it refuses (cast the column to DOUBLE).

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

CREATE TABLE pressure_spread (
  sensor_id STRING, reading_time TIMESTAMP(3), pressure_stddev DECIMAL(38, 6)
) WITH ('connector' = 'blackhole');

INSERT INTO pressure_spread
SELECT sensor_id, reading_time, STDDEV_POP(pressure) OVER (PARTITION BY sensor_id ORDER BY reading_time)
FROM readings;
