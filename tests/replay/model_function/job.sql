-- A LightGBM model function (the demo's) called from SQL; NULL features are missing values.

CREATE TABLE results (
  order_id BIGINT, risk DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY FUNCTION delay_risk AS 'udfs.flights.delay_risk' LANGUAGE PYTHON;

INSERT INTO results
SELECT order_id,
  delay_risk(CAST(HOUR(ts) AS DOUBLE), CAST(DAYOFWEEK(ts) AS DOUBLE), amount * 10, CAST(quantity AS DOUBLE),
             40.0, 30.0, 60.0, CAST(quantity AS DOUBLE), 0.0, 1015.0, 10.0)
FROM orders;
