-- Flight delay risk, scored at each flight's scheduled departure.
--   features: the flight; departures from its airport in the hour before (OVER ... RANGE);
--             the airport's weather at departure time (event-time temporal join)
--   model:    delay_risk, a LightGBM model (udfs/flights.py), called as a SQL function; a challenger
--             model scores every flight in shadow
--   sinks:    flight_scores (every flight), delay_alerts (1-hour TUMBLE windows of high-risk flights)

-- delay_risk: the score alone (for `streamscore explore` and notebooks); the job calls delay_risk_served,
-- the score with the version that served it.
CREATE TEMPORARY FUNCTION delay_risk AS 'udfs.flights.delay_risk' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION delay_risk_served AS 'udfs.flights.delay_risk_served' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION delay_risk_challenger AS 'udfs.flights.delay_risk_challenger' LANGUAGE PYTHON;

-- Versioned view: the latest observation per airport; a temporal join reads the version at its time.
CREATE TEMPORARY VIEW weather_versions AS
SELECT origin, obs_time, temp, dewp, humid, wind_speed, precip, pressure, visib
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY origin ORDER BY obs_time DESC) AS rownum
  FROM weather
)
WHERE rownum = 1;

-- Departures scheduled from the same airport in the hour up to this flight (this one included).
CREATE TEMPORARY VIEW flight_traffic AS
SELECT
  *,
  COUNT(*) OVER (
    PARTITION BY origin ORDER BY sched_dep_time
    RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW
  ) AS origin_departures_1h
FROM flights;

-- The model's inputs, in the order the model takes them (udfs/models/delay_risk.json).
CREATE TEMPORARY VIEW flight_features AS
SELECT
  t.flight_id,
  t.carrier,
  t.origin,
  t.dest,
  t.sched_dep_time,
  t.arr_delay,
  t.origin_departures_1h,
  CAST(HOUR(t.sched_dep_time) AS DOUBLE)      AS dep_hour,
  CAST(DAYOFWEEK(t.sched_dep_time) AS DOUBLE) AS day_of_week,
  t.distance,
  CAST(t.origin_departures_1h AS DOUBLE)      AS departures_1h,
  w.temp,
  w.dewp,
  w.humid,
  w.wind_speed,
  w.precip,
  w.pressure,
  w.visib
FROM flight_traffic AS t
LEFT JOIN weather_versions FOR SYSTEM_TIME AS OF t.sched_dep_time AS w
  ON t.origin = w.origin;

-- The live model's score and version; the challenger scores every flight in shadow (compared with the
-- live model in sql/jobs/model_monitoring.sql).
CREATE TEMPORARY VIEW scored_flights AS
SELECT *, served.score AS risk, served.version AS model_version
FROM (
  SELECT
    *,
    delay_risk_served(dep_hour, day_of_week, distance, departures_1h,
                      temp, dewp, humid, wind_speed, precip, pressure, visib) AS served,
    delay_risk_challenger(dep_hour, day_of_week, distance, departures_1h,
                          temp, dewp, humid, wind_speed, precip, pressure, visib) AS challenger_risk
  FROM flight_features
);

EXECUTE STATEMENT SET
BEGIN

INSERT INTO flight_scores
SELECT flight_id, carrier, origin, dest, sched_dep_time, origin_departures_1h,
       temp, wind_speed, risk, arr_delay, model_version, challenger_risk
FROM scored_flights
-- in event-time order (each airport's flights come out of the window and the join at their own pace):
-- a job reading the scores back (model_monitoring.sql) then needs no slack in its watermark
ORDER BY sched_dep_time;

-- An alert per airport and hour with at least 3 flights at high risk.
INSERT INTO delay_alerts
SELECT origin, window_start, window_end, COUNT(*), AVG(risk), MAX(risk)
FROM TABLE(TUMBLE(TABLE scored_flights, DESCRIPTOR(sched_dep_time), INTERVAL '1' HOUR))
WHERE risk >= 0.5
GROUP BY origin, window_start, window_end
HAVING COUNT(*) >= 3;

END;
