-- A running spread of a DECIMAL column (OVER): Flink computes it in DECIMAL(38, 6) arithmetic, each product
-- and quotient rounded half up to 6 digits; STDDEV is the DOUBLE square root cast back to DECIMAL(38, 6).

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
  sensor_id STRING, reading_time TIMESTAMP(3), pressure_var_pop DECIMAL(38, 6), pressure_var_samp DECIMAL(38, 6),
  pressure_stddev_pop DECIMAL(38, 6)
) WITH ('connector' = 'blackhole');

INSERT INTO pressure_spread
SELECT sensor_id, reading_time, VAR_POP(pressure) OVER w, VAR_SAMP(pressure) OVER w, STDDEV_POP(pressure) OVER w
FROM readings
WINDOW w AS (PARTITION BY sensor_id ORDER BY reading_time);
