-- Window Top-N over CUMULATE windows of a rowtime computed from text: the hottest reading per step.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), sensor_id STRING, temperature DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, sensor_id, temperature FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY temperature DESC, read_at) AS rn
  FROM TABLE(CUMULATE(TABLE readings, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '15' MINUTES))
) WHERE rn = 1;
