-- Sink tables: scores per flight, and alert windows per airport.

CREATE TABLE flight_scores (
  flight_id            BIGINT,
  carrier              STRING,
  origin               STRING,
  dest                 STRING,
  sched_dep_time       TIMESTAMP(3),
  origin_departures_1h BIGINT,
  temp                 DOUBLE,
  wind_speed           DOUBLE,
  delay_risk           DOUBLE,
  arr_delay            DOUBLE,
  model_version        STRING,   -- the live model version that scored the flight
  challenger_risk      DOUBLE    -- the challenger's score, in shadow
) WITH (
  'connector' = 'kafka',
  'topic' = 'flight_scores',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);

CREATE TABLE delay_alerts (
  origin            STRING,
  window_start      TIMESTAMP(3),
  window_end        TIMESTAMP(3),
  high_risk_flights BIGINT,
  avg_risk          DOUBLE,
  max_risk          DOUBLE
) WITH (
  'connector' = 'kafka',
  'topic' = 'delay_alerts',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);

-- Model monitoring (sql/jobs/model_monitoring.sql): per day, how the model did on the flights that landed.
CREATE TABLE model_quality (
  day_start  TIMESTAMP(3),
  flights    BIGINT,
  late_rate  DOUBLE,
  mean_score DOUBLE,
  brier      DOUBLE,
  log_loss   DOUBLE,
  auc        DOUBLE,
  challenger_auc DOUBLE,
  score_psi  DOUBLE,
  temp_psi   DOUBLE,
  wind_psi   DOUBLE
) WITH (
  'connector' = 'kafka',
  'topic' = 'model_quality',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);

CREATE TABLE model_alerts (
  day_start TIMESTAMP(3),
  metric    STRING,
  observed  DOUBLE,
  threshold DOUBLE
) WITH (
  'connector' = 'kafka',
  'topic' = 'model_alerts',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);
