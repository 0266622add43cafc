-- Per day: how well the model ranked (AUC) and calibrated (Brier, log loss) the flights that landed, and
-- how far the day's scores and temperatures drifted from the training data (PSI).

CREATE TABLE daily_quality (
  day_start TIMESTAMP(3), flights BIGINT, late_rate DOUBLE, mean_score DOUBLE, brier DOUBLE, log_loss DOUBLE,
  auc DOUBLE, score_psi DOUBLE, temp_psi DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO daily_quality
SELECT window_start, COUNT(*), AVG(y), AVG(score), AVG(POWER(score - y, 2)),
       AVG(-(y * LN(score) + (1 - y) * LN(1 - score))),
       STREAMSCORE_AUC(score, late),
       STREAMSCORE_PSI(score, 'udfs/models/delay_risk', '(score)'),
       STREAMSCORE_PSI(temp, 'udfs/models/delay_risk', 'temp')
FROM TABLE(TUMBLE(TABLE labelled, DESCRIPTOR(sched_dep_time), INTERVAL '1' DAY))
GROUP BY window_start, window_end;
