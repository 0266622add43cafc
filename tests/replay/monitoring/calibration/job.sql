-- Calibration by score decile: the mean score against the share of flights that were late.

CREATE TABLE calibration (
  decile INT, flights BIGINT, mean_score DOUBLE, late_rate DOUBLE
) WITH ('connector' = 'blackhole');

-- Each score with its outcome once the flight lands: an interval join that waits up to a day.
CREATE TEMPORARY VIEW labelled AS
SELECT s.flight_id, s.carrier, s.origin, s.sched_dep_time, s.temp, s.delay_risk AS score,
       a.arr_delay >= 15 AS late, CAST(CASE WHEN a.arr_delay >= 15 THEN 1 ELSE 0 END AS DOUBLE) AS y
FROM scores AS s JOIN arrivals AS a
  ON s.flight_id = a.flight_id AND a.arrived_at BETWEEN s.sched_dep_time AND s.sched_dep_time + INTERVAL '1' DAY;

INSERT INTO calibration
SELECT CAST(FLOOR(score * 10) AS INT), COUNT(*), AVG(score), AVG(y)
FROM labelled
GROUP BY CAST(FLOOR(score * 10) AS INT);
