-- A running spread per sensor (OVER, ordered by the reading's time; one window per query, as Flink requires):
-- Flink reduces these to sums in the argument's own type, so integer columns wrap and divide as Java's
-- integers do (the TINYINT's squares overflow).

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

CREATE TABLE spread_last3 (
  sensor_id STRING, reading_time TIMESTAMP(3),
  temp_stddev_samp DOUBLE, humidity_stddev_pop INT, battery_var_pop BIGINT, signal_var_samp TINYINT
) WITH ('connector' = 'blackhole');

CREATE TABLE spread_2min (
  sensor_id STRING, reading_time TIMESTAMP(3),
  temp_var_pop DOUBLE, humidity_var_samp INT, signal_var_pop TINYINT, signal_stddev_samp TINYINT
) WITH ('connector' = 'blackhole');

INSERT INTO spread_last3
SELECT sensor_id, reading_time,
  STDDEV_SAMP(temperature) OVER last3, STDDEV_POP(humidity) OVER last3, VAR_POP(battery_mv) OVER last3,
  VAR_SAMP(signal) OVER last3
FROM readings
WINDOW last3 AS (PARTITION BY sensor_id ORDER BY reading_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);

INSERT INTO spread_2min
SELECT sensor_id, reading_time,
  VAR_POP(temperature) OVER w, VAR_SAMP(humidity) OVER w, VAR_POP(signal) OVER w, STDDEV_SAMP(signal) OVER w
FROM readings
WINDOW w AS (PARTITION BY sensor_id ORDER BY reading_time RANGE BETWEEN INTERVAL '2' MINUTE PRECEDING AND CURRENT ROW);
