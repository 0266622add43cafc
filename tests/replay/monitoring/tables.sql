-- Model monitoring: the demo model's scores over two days of November 2013 and each flight's arrival,
-- which comes later, as outcomes do (make_inputs.py). Shared by the cases of this group.

CREATE TABLE scores (
  flight_id      BIGINT,
  carrier        STRING,
  origin         STRING,
  sched_dep_time TIMESTAMP(3),
  temp           DOUBLE,
  wind_speed     DOUBLE,
  delay_risk     DOUBLE,
  WATERMARK FOR sched_dep_time AS sched_dep_time - INTERVAL '1' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'inputs/scores.jsonl', 'format' = 'json');

CREATE TABLE arrivals (
  flight_id  BIGINT,
  arr_delay  DOUBLE,
  arrived_at TIMESTAMP(3),
  WATERMARK FOR arrived_at AS arrived_at - INTERVAL '1' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'inputs/arrivals.jsonl', 'format' = 'json');
