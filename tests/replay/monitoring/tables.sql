-- Model monitoring: the demo model's scores over two days of November 2013 and each flight's arrival,
-- which comes later, as outcomes do (make_inputs.py). Shared by the cases of this group, with
-- the view that labels the scores.

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

-- Each score with its outcome once the flight lands: an interval join that waits up to a day.
CREATE TEMPORARY VIEW labelled AS
SELECT s.flight_id, s.carrier, s.origin, s.sched_dep_time, s.temp, s.delay_risk AS score,
       a.arr_delay >= 15 AS late, CAST(CASE WHEN a.arr_delay >= 15 THEN 1 ELSE 0 END AS DOUBLE) AS y
FROM scores AS s JOIN arrivals AS a
  ON s.flight_id = a.flight_id AND a.arrived_at BETWEEN s.sched_dep_time AND s.sched_dep_time + INTERVAL '1' DAY;
