-- Per-minute and sliding spread of room temperatures (TUMBLE and HOP window aggregates), rows out of
-- order within the watermark's delay.

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

CREATE TABLE minute_spread (
  sensor_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3),
  temp_stddev DOUBLE, temp_var_pop DOUBLE, humidity_var_samp INT
) WITH ('connector' = 'blackhole');

CREATE TABLE sliding_spread (
  room STRING, window_end TIMESTAMP(3), temp_stddev_pop DOUBLE, battery_stddev BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO minute_spread
SELECT sensor_id, window_start, window_end, STDDEV_SAMP(temperature), VAR_POP(temperature), VAR_SAMP(humidity)
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(reading_time), INTERVAL '1' MINUTE))
GROUP BY sensor_id, window_start, window_end;

INSERT INTO sliding_spread
SELECT room, window_end, STDDEV_POP(temperature), STDDEV_SAMP(battery_mv)
FROM TABLE(HOP(TABLE readings, DESCRIPTOR(reading_time), INTERVAL '1' MINUTE, INTERVAL '2' MINUTE))
GROUP BY room, window_start, window_end;
