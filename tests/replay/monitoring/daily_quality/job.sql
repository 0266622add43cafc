-- Per day: how well the model ranked (AUC) and calibrated (Brier, log loss) the flights that landed, and
-- how far the day's scores and temperatures drifted from the training data (PSI).

CREATE TABLE daily_quality (
  day_start TIMESTAMP(3), flights BIGINT, late_rate DOUBLE, mean_score DOUBLE, brier DOUBLE, log_loss DOUBLE,
  auc DOUBLE, score_psi DOUBLE, temp_psi DOUBLE
) WITH ('connector' = 'blackhole');

-- Each score with its outcome once the flight lands: an interval join that waits up to a day.
CREATE TEMPORARY VIEW labelled AS
SELECT s.flight_id, s.carrier, s.origin, s.sched_dep_time, s.temp, s.delay_risk AS score,
       a.arr_delay >= 15 AS late, CAST(CASE WHEN a.arr_delay >= 15 THEN 1 ELSE 0 END AS DOUBLE) AS y
FROM scores AS s JOIN arrivals AS a
  ON s.flight_id = a.flight_id AND a.arrived_at BETWEEN s.sched_dep_time AND s.sched_dep_time + INTERVAL '1' DAY;

INSERT INTO daily_quality
SELECT window_start, COUNT(*), AVG(y), AVG(score), AVG(POWER(score - y, 2)),
       AVG(-(y * LN(score) + (1 - y) * LN(1 - score))),
       STREAMSCORE_AUC(score, late),
       STREAMSCORE_PSI(score, 'udfs/models/delay_risk', '(score)'),
       STREAMSCORE_PSI(temp, 'udfs/models/delay_risk', 'temp')
FROM TABLE(TUMBLE(TABLE labelled, DESCRIPTOR(sched_dep_time), INTERVAL '1' DAY))
GROUP BY window_start, window_end;
