-- A named ROWS window (WINDOW w AS ...) over a view, over rows with equal times: the replay sees no arrival
-- order through the view, so it fails naming the tie (its translation once wrapped the window's definition
-- in the check, SQL DuckDB could not parse; the event-time fuzzer found it).
CREATE TEMPORARY VIEW positive AS SELECT * FROM readings WHERE val > 0;
CREATE TABLE results (id BIGINT, sensor STRING, lastTwo INT, seen BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT id, sensor, SUM(val) OVER w, COUNT(*) OVER w
FROM positive
WINDOW w AS (PARTITION BY sensor ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW);
