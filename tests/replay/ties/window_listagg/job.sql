-- LISTAGG per window concatenates in arrival order (ties in time kept as they arrive): the replay reads it as file order.
CREATE TABLE results (sensor STRING, windowEnd TIMESTAMP(3), ids STRING) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT sensor, window_end, LISTAGG(CAST(id AS STRING), ';')
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY sensor, window_start, window_end;
