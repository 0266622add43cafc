-- Benchmark: each flight from Kafka scored by the demo model and written to Kafka (no window, no
-- join: features the event carries, weather unknown = LightGBM's missing value).
CREATE TEMPORARY FUNCTION delay_risk AS 'udfs.flights.delay_risk' LANGUAGE PYTHON;

INSERT INTO flight_scores
SELECT flight_id, carrier, origin, dest, sched_dep_time, CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE),
       CAST(NULL AS DOUBLE),
       delay_risk(CAST(HOUR(sched_dep_time) AS DOUBLE), CAST(DAYOFWEEK(sched_dep_time) AS DOUBLE), distance,
                  CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
                  CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)),
       arr_delay, CAST(NULL AS STRING), CAST(NULL AS DOUBLE)
FROM flights;
