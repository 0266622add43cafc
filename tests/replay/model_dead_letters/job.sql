-- Rows a model cannot score (an infinite feature) go to a dead-letter sink with the error: every row
-- lands in exactly one of the two sinks, none gets a silent NULL score.

CREATE TABLE results (order_id BIGINT, score DOUBLE, version STRING) WITH ('connector' = 'blackhole');
CREATE TABLE dead_letters (order_id BIGINT, error STRING) WITH ('connector' = 'blackhole');

CREATE TEMPORARY FUNCTION delay_risk_checked AS 'udfs.flights.delay_risk_checked' LANGUAGE PYTHON;

CREATE TEMPORARY VIEW checked AS
SELECT order_id,
  delay_risk_checked(CAST(HOUR(ts) AS DOUBLE), CAST(DAYOFWEEK(ts) AS DOUBLE),
                     CASE WHEN MOD(order_id, 7) = 0 THEN CAST('Infinity' AS DOUBLE) ELSE amount END,
                     CAST(quantity AS DOUBLE),
                     CASE WHEN MOD(order_id, 11) = 0 THEN CAST('-Infinity' AS DOUBLE) ELSE 40.0 END,
                     30.0, 60.0, CAST(quantity AS DOUBLE), 0.0, 1015.0, 10.0) AS r
FROM orders;

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO results SELECT order_id, r.score, r.version FROM checked WHERE r.error IS NULL;
  INSERT INTO dead_letters SELECT order_id, r.error FROM checked WHERE r.error IS NOT NULL;
END;
