-- A model function with several outputs (a ROW): score, label at the threshold, version, contributions.

CREATE TABLE results (
  order_id BIGINT, score DOUBLE, label BOOLEAN, version STRING, contributions STRING
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY FUNCTION delay_risk_explained AS 'udfs.flights.delay_risk_explained' LANGUAGE PYTHON;

CREATE TEMPORARY VIEW explained AS
SELECT order_id,
  delay_risk_explained(CAST(HOUR(ts) AS DOUBLE), CAST(DAYOFWEEK(ts) AS DOUBLE), amount * 10, CAST(quantity AS DOUBLE),
                       CAST(price AS DOUBLE) * 3, 30.0, 60.0, CAST(quantity AS DOUBLE), 0.0, 1015.0, 10.0) AS r
FROM orders;

INSERT INTO results
SELECT order_id, r.score, r.label, r.version, r.contributions FROM explained;
