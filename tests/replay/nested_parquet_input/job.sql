-- Trips from a Parquet file with nested columns (a driver ROW holding a vehicle ROW, a route of timestamped
-- points, a MAP of fees; its WITH clause is the stream's, the replay binds the file): field access,
-- CARDINALITY and the points through UNNEST.

CREATE TABLE trips (
  trip_id     STRING,
  driver      ROW<driver_id STRING, vehicle ROW<plate STRING, seats INT>>,
  route       ARRAY<ROW<lat DOUBLE, lon DOUBLE, `at` TIMESTAMP(3)>>,
  fees        MAP<STRING, DOUBLE>,
  tags        ARRAY<STRING>,
  fare        DECIMAL(8, 2),
  service_day DATE
) WITH ('connector' = 'kafka', 'topic' = 'trips', 'format' = 'json');

CREATE TABLE trip_summary (
  trip_id STRING, driver_id STRING, plate STRING, seats INT, points INT, surge DOUBLE, fee_count INT,
  first_tag STRING, fare DECIMAL(8, 2), service_day DATE
) WITH ('connector' = 'blackhole');

CREATE TABLE trip_points (trip_id STRING, lat DOUBLE, lon DOUBLE, seen_at TIMESTAMP(3)) WITH ('connector' = 'blackhole');

INSERT INTO trip_summary
SELECT trip_id, driver.driver_id, driver.vehicle.plate, driver.vehicle.seats, CARDINALITY(route), fees['surge'],
       CARDINALITY(fees), tags[1], fare, service_day
FROM trips;

INSERT INTO trip_points
SELECT t.trip_id, p.lat, p.lon, p.`at` FROM trips AS t CROSS JOIN UNNEST(t.route) AS p(lat, lon, `at`);
