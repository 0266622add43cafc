-- A WHERE over a SESSION TVF without PARTITION BY (text rowtime): one session stream of the other sensors.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), readings BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE readings, DESCRIPTOR(rowtime), INTERVAL '40' SECONDS)) AS w
WHERE w.sensor_id <> 's-2'
GROUP BY window_start, window_end;
