-- Per carrier (a segment), over everything so far: an updating result.

CREATE TABLE carrier_quality (
  carrier STRING, flights BIGINT, late_rate DOUBLE, mean_score DOUBLE, auc DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO carrier_quality
SELECT carrier, COUNT(*), AVG(y), AVG(score), STREAMSCORE_AUC(score, late)
FROM labelled
GROUP BY carrier;
