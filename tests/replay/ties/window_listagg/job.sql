-- LISTAGG per window concatenates in arrival order, which a replay cannot see after a window TVF: refused.
CREATE TABLE results (sensor STRING, windowEnd TIMESTAMP(3), ids STRING) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT sensor, window_end, LISTAGG(CAST(id AS STRING), ';')
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY sensor, window_start, window_end;
