-- Calibration by score decile: the mean score against the share of flights that were late.

CREATE TABLE calibration (
  decile INT, flights BIGINT, mean_score DOUBLE, late_rate DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO calibration
SELECT CAST(FLOOR(score * 10) AS INT), COUNT(*), AVG(score), AVG(y)
FROM labelled
GROUP BY CAST(FLOOR(score * 10) AS INT);
