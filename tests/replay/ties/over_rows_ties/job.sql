-- A ROWS frame over rows with equal times: which rows are "preceding" is arrival order.
CREATE TABLE results (id BIGINT, sensor STRING, lastTwo INT, seen BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT id, sensor,
  SUM(val) OVER (PARTITION BY sensor ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW),
  COUNT(*) OVER (PARTITION BY sensor ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
FROM readings;
