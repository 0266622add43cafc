-- Model monitoring: how delay_risk does in production, from its own output.
--   labels:  each score joined with the flight's arrival (15+ minutes late), which comes hours later:
--            an interval join that waits up to a day
--   quality: per day, ranking (AUC), calibration (Brier score, log loss), late rate and mean score
--   drift:   per day, the population stability (PSI) of the score and of two inputs against the model's
--            training data (stored in udfs/models/delay_risk.json when it was trained)
--   shadow:  the challenger's AUC on the same flights, beside the live model's
--   alerts:  a row per day and metric past its threshold, and the days the challenger ranked better
-- Run it beside the scoring job: `streamscore run sql/jobs/model_monitoring.sql`.

CREATE TEMPORARY VIEW labelled AS
SELECT s.flight_id, s.carrier, s.origin, s.sched_dep_time, s.temp, s.wind_speed, s.delay_risk AS score,
       s.challenger_risk,
       a.arr_delay >= 15 AS late,
       CAST(CASE WHEN a.arr_delay >= 15 THEN 1 ELSE 0 END AS DOUBLE) AS y
FROM flight_score_events AS s
JOIN flight_arrivals AS a
  ON s.flight_id = a.flight_id
 AND a.arrived_at BETWEEN s.sched_dep_time AND s.sched_dep_time + INTERVAL '1' DAY;

CREATE TEMPORARY VIEW daily_quality AS
SELECT
  window_start                                         AS day_start,
  COUNT(*)                                             AS flights,
  AVG(y)                                               AS late_rate,
  AVG(score)                                           AS mean_score,
  AVG(POWER(score - y, 2))                             AS brier,
  AVG(-(y * LN(score) + (1 - y) * LN(1 - score)))      AS log_loss,
  STREAMSCORE_AUC(score, late)                         AS auc,
  STREAMSCORE_AUC(challenger_risk, late)               AS challenger_auc,
  STREAMSCORE_PSI(score, 'udfs/models/delay_risk', '(score)')         AS score_psi,
  STREAMSCORE_PSI(temp, 'udfs/models/delay_risk', 'temp')             AS temp_psi,
  STREAMSCORE_PSI(wind_speed, 'udfs/models/delay_risk', 'wind_speed') AS wind_psi
FROM TABLE(TUMBLE(TABLE labelled, DESCRIPTOR(sched_dep_time), INTERVAL '1' DAY))
GROUP BY window_start, window_end;

INSERT INTO model_quality SELECT * FROM daily_quality;

-- Thresholds: AUC under 0.6 (ranking little better than chance); PSI over 0.25 (a shift worth a retrain).
INSERT INTO model_alerts
SELECT day_start, 'auc', auc, 0.6 FROM daily_quality WHERE auc < 0.6
UNION ALL
SELECT day_start, 'score_psi', score_psi, 0.25 FROM daily_quality WHERE score_psi > 0.25
UNION ALL
SELECT day_start, 'challenger_auc', challenger_auc, auc FROM daily_quality WHERE challenger_auc > auc;
