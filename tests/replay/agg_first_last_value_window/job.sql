-- FIRST_VALUE / LAST_VALUE per one-minute window: Flink takes arrival order within the window, which the
-- replay cannot see through a window TVF yet, so it refuses.

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

CREATE TABLE minute_bounds (
  sensor_id STRING, window_start TIMESTAMP(3), first_temperature DOUBLE, last_temperature DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO minute_bounds
SELECT sensor_id, window_start, FIRST_VALUE(temperature), LAST_VALUE(temperature)
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(reading_time), INTERVAL '1' MINUTE))
GROUP BY sensor_id, window_start, window_end;
