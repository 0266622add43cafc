-- Window deduplication keeping the last reading of each sensor per 5-minute window (text rowtime).

CREATE TABLE results (
  window_start TIMESTAMP(3), sensor_id STRING, temperature DOUBLE, read_at STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, sensor_id, temperature, read_at FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, sensor_id ORDER BY rowtime DESC) AS rn
  FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES))
) WHERE rn = 1;
