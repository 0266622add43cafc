-- CASE ... THEN 1.0 ELSE 0.0 is a DECIMAL in Flink: a model whose INPUT declares DOUBLE would fail on its
-- first row (ClassCastException), so the job is refused before it starts.
CREATE TABLE risks (order_id BIGINT, risk DOUBLE) WITH ('connector' = 'blackhole');

CREATE TEMPORARY MODEL delay_model
INPUT (dep_hour DOUBLE, day_of_week DOUBLE, distance DOUBLE, departures_1h DOUBLE, temp DOUBLE, dewp DOUBLE,
       humid DOUBLE, wind_speed DOUBLE, precip DOUBLE, pressure DOUBLE, visib DOUBLE)
OUTPUT (risk DOUBLE)
WITH ('provider' = 'lightgbm', 'path' = 'udfs/models/delay_risk', 'version' = '1');

CREATE TEMPORARY VIEW order_features AS
SELECT order_id, CAST(HOUR(ts) AS DOUBLE) AS h,
       CASE WHEN amount > 50 THEN 1.0 ELSE 0.0 END AS is_big,
       amount AS a
FROM orders;

INSERT INTO risks
SELECT order_id, risk
FROM ML_PREDICT(TABLE order_features, MODEL delay_model, DESCRIPTOR(h, is_big, a, a, a, a, a, a, a, a, a));
