-- Per-minute spread of integer humidity readings whose variance is a whole number: Flink cuts its DOUBLE
-- result to an INT, where the last bits of a sum decide between 1 and 0 (its order through the window is
-- not known to the replay), so the replay refuses the data (cast to DOUBLE to replay it).

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
  sensor_id STRING, window_start TIMESTAMP(3), humidity_var_samp INT
) WITH ('connector' = 'blackhole');

INSERT INTO minute_spread
SELECT sensor_id, window_start, VAR_SAMP(humidity)
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(reading_time), INTERVAL '1' MINUTE))
GROUP BY sensor_id, window_start, window_end;
