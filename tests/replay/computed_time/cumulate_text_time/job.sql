-- CUMULATE over a rowtime computed from text.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), readings BIGINT, avg_temp DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, COUNT(*), AVG(temperature)
FROM TABLE(CUMULATE(TABLE readings, DESCRIPTOR(rowtime), INTERVAL '4' MINUTES, INTERVAL '12' MINUTES))
GROUP BY window_start, window_end;
