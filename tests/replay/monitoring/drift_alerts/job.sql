-- An alert per origin airport and 6 hours when the scores drift from the training data (PSI over 0.1)
-- or the model ranks worse than a coin would on the flights that landed.

CREATE TABLE drift_alerts (
  origin STRING, window_start TIMESTAMP(3), flights BIGINT, score_psi DOUBLE, auc DOUBLE, reason STRING
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW quality AS
SELECT origin, window_start, COUNT(*) AS flights,
       STREAMSCORE_PSI(score, 'udfs/models/delay_risk', '(score)') AS score_psi,
       STREAMSCORE_AUC(score, late) AS auc
FROM TABLE(TUMBLE(TABLE labelled, DESCRIPTOR(sched_dep_time), INTERVAL '6' HOUR))
GROUP BY origin, window_start, window_end;

INSERT INTO drift_alerts
SELECT origin, window_start, flights, score_psi, auc,
       CASE WHEN score_psi > 0.1 THEN 'score drift' ELSE 'ranking' END
FROM quality
WHERE score_psi > 0.1 OR auc < 0.5;
