-- Deduplication keeping each sensor's first reading, ordered by a text rowtime.

CREATE TABLE results (
  sensor_id STRING, read_at STRING, temperature DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT sensor_id, read_at, temperature FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor_id ORDER BY rowtime ASC) AS rn FROM readings
) WHERE rn = 1;
