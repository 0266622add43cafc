-- A temporal join where two versions of a key share a time: Flink joins the first to arrive.
CREATE TABLE results (id BIGINT, sensor STRING, val INT, maxVal INT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT r.id, r.sensor, r.val, l.maxVal
FROM readings AS r
JOIN limits FOR SYSTEM_TIME AS OF r.ts AS l ON r.sensor = l.sensor;
