-- Training input for the delay_risk model: the job's own feature view (sql/jobs/flight_delays.sql),
-- replayed on DuckDB. Columns: the features in model order, then the label and the split time.
SELECT
  dep_hour, day_of_week, distance, departures_1h,
  temp, dewp, humid, wind_speed, precip, pressure, visib,
  CAST(arr_delay >= 15 AS INT) AS is_late,
  sched_dep_time
FROM flight_features
WHERE arr_delay IS NOT NULL
