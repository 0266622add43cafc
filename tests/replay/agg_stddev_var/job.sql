-- Spread of room sensor readings per sensor: the STDDEV and VAR families over DOUBLE, INT and DECIMAL
-- columns (Flink's result takes the argument's type: an INT's is the DOUBLE cut to an INT, a DECIMAL's a
-- DECIMAL(38, 6)), a sensor with one reading (the SAMP ones are NULL) and one with only NULLs.

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

CREATE TABLE sensor_spread (
  sensor_id STRING,
  readings BIGINT,
  temp_stddev_pop DOUBLE, temp_stddev_samp DOUBLE, temp_var_pop DOUBLE, temp_var_samp DOUBLE,
  temp_stddev DOUBLE, temp_variance DOUBLE,
  humidity_stddev INT, humidity_var_pop INT,
  pressure_stddev DECIMAL(38, 6), pressure_var_samp DECIMAL(38, 6)
) WITH ('connector' = 'blackhole');

INSERT INTO sensor_spread
SELECT sensor_id, COUNT(*),
  STDDEV_POP(temperature), STDDEV_SAMP(temperature), VAR_POP(temperature), VAR_SAMP(temperature),
  STDDEV(temperature), VARIANCE(temperature),
  STDDEV_SAMP(humidity), VAR_POP(humidity),
  STDDEV_POP(pressure), VAR_SAMP(pressure)
FROM readings
GROUP BY sensor_id;
