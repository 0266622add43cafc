-- Source tables of the flight-delay project. Plain Flink SQL: the `local` and `kafka` profiles
-- (connectors/) add the connection details, the `replay` profile reads the same tables from files.

-- One event per flight, at its scheduled departure (local New York time).
CREATE TABLE flights (
  flight_id      BIGINT,
  carrier        STRING,
  flight         INT,
  tailnum        STRING,
  origin         STRING,
  dest           STRING,
  distance       DOUBLE,
  sched_dep_time TIMESTAMP(3),
  dep_delay      DOUBLE,
  arr_delay      DOUBLE,   -- the label, known once the flight lands
  WATERMARK FOR sched_dep_time AS sched_dep_time - INTERVAL '1' MINUTE
) WITH (
  'connector' = 'kafka',
  'topic' = 'flights',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL',
  'scan.startup.mode' = 'earliest-offset'
);

-- Hourly weather per airport, event time = observation hour.
CREATE TABLE weather (
  origin     STRING,
  obs_time   TIMESTAMP(3),
  temp       DOUBLE,
  dewp       DOUBLE,
  humid      DOUBLE,
  wind_speed DOUBLE,
  precip     DOUBLE,
  pressure   DOUBLE,
  visib      DOUBLE,
  -- Not `AS obs_time`: a watermark equal to the last timestamp makes the next airport's reading for
  -- the same hour late, and a temporal join would then use the previous hour's weather.
  WATERMARK FOR obs_time AS obs_time - INTERVAL '1' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'weather',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL',
  'scan.startup.mode' = 'earliest-offset'
);

-- Each flight's arrival, an event of its own that comes after the score: the label (15+ minutes late)
-- the monitoring job joins to the score (sql/jobs/model_monitoring.sql).
CREATE TABLE flight_arrivals (
  flight_id  BIGINT,
  arr_delay  DOUBLE,
  arrived_at TIMESTAMP(3),
  WATERMARK FOR arrived_at AS arrived_at - INTERVAL '1' MINUTE
) WITH (
  'connector' = 'kafka',
  'topic' = 'flight_arrivals',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL',
  'scan.startup.mode' = 'earliest-offset'
);

-- The scoring job's output read back as a stream, for monitoring: the scores at each flight's time.
CREATE TABLE flight_score_events (
  flight_id      BIGINT,
  carrier        STRING,
  origin         STRING,
  sched_dep_time TIMESTAMP(3),
  temp           DOUBLE,
  wind_speed     DOUBLE,
  delay_risk     DOUBLE,
  model_version  STRING,
  challenger_risk DOUBLE,
  -- flight_delays.sql writes the scores in time order
  WATERMARK FOR sched_dep_time AS sched_dep_time - INTERVAL '1' MINUTE
) WITH (
  'connector' = 'kafka',
  'topic' = 'flight_scores',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL',
  'scan.startup.mode' = 'earliest-offset'
);
