-- Chained windows over a text rowtime: 10-minute HOP over a view of 2-minute TUMBLE maxima.

CREATE TABLE results (
  sensor_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), peak DOUBLE, windows BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW per_two_minutes AS
SELECT sensor_id, window_start AS bucket_start, window_end AS bucket_end, window_time AS bucket_time,
       MAX(temperature) AS max_temp
FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(rowtime), INTERVAL '2' MINUTES))
GROUP BY sensor_id, window_start, window_end, window_time;

INSERT INTO results
SELECT sensor_id, window_start, window_end, MAX(max_temp), COUNT(*)
FROM TABLE(HOP(TABLE per_two_minutes, DESCRIPTOR(bucket_time), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
GROUP BY sensor_id, window_start, window_end;
