-- Benchmark baseline: flights from Kafka to Kafka unchanged (no model, no state).
CREATE TABLE flights_copy (
  flight_id      BIGINT,
  carrier        STRING,
  flight         INT,
  tailnum        STRING,
  origin         STRING,
  dest           STRING,
  distance       DOUBLE,
  sched_dep_time TIMESTAMP(3),
  dep_delay      DOUBLE,
  arr_delay      DOUBLE
) WITH (
  'connector' = 'kafka',
  'topic' = 'flights_copy',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);

INSERT INTO flights_copy SELECT * FROM flights;
