-- Two-minute spread per room with a legacy group window (GROUP BY TUMBLE(...), TUMBLE_START), DOUBLE and
-- DECIMAL readings: a DECIMAL's spread is Flink's DOUBLE rounded to DECIMAL(38, 6).

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

CREATE TABLE room_spread (
  room STRING, window_start TIMESTAMP(3), temp_stddev_pop DOUBLE, pressure_var_samp DECIMAL(38, 6),
  pressure_stddev_samp DECIMAL(38, 6)
) WITH ('connector' = 'blackhole');

INSERT INTO room_spread
SELECT room, TUMBLE_START(reading_time, INTERVAL '2' MINUTE), STDDEV_POP(temperature), VAR_SAMP(pressure),
  STDDEV_SAMP(pressure)
FROM readings
GROUP BY room, TUMBLE(reading_time, INTERVAL '2' MINUTE);
