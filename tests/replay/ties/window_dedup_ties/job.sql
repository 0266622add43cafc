-- Window deduplication and top-N by event time over rows that tie on it (sensor a at 00:00:00 and at
-- 00:00:03): Flink keeps the first arrival among equal times for the first row, the last arrival for the
-- last row, and ranks equal times in arrival order for a top-2; file order is arrival order for the replay.
CREATE TABLE first_reading (sensor STRING, window_start TIMESTAMP(3), id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO first_reading
SELECT sensor, window_start, id FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, sensor ORDER BY ts) AS rn
  FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '5' SECOND))
) WHERE rn = 1;

CREATE TABLE last_reading (sensor STRING, window_start TIMESTAMP(3), id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO last_reading
SELECT sensor, window_start, id FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, sensor ORDER BY ts DESC) AS rn
  FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '5' SECOND))
) WHERE rn = 1;

CREATE TABLE latest_two (sensor STRING, window_start TIMESTAMP(3), id BIGINT, rn BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO latest_two
SELECT sensor, window_start, id, rn FROM (
  SELECT sensor, window_start, id, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, sensor ORDER BY ts DESC) AS rn
  FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '5' SECOND))
) WHERE rn <= 2;
