-- Flink's model syntax, run in-process: CREATE MODEL + ML_PREDICT, champion and challenger side by side.

CREATE TABLE results (
  order_id BIGINT, champion_risk DOUBLE, challenger_risk DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY MODEL champion
INPUT (dep_hour DOUBLE, day_of_week DOUBLE, distance DOUBLE, departures_1h DOUBLE, temp DOUBLE, dewp DOUBLE,
       humid DOUBLE, wind_speed DOUBLE, precip DOUBLE, pressure DOUBLE, visib DOUBLE)
OUTPUT (risk DOUBLE)
WITH ('provider' = 'lightgbm', 'path' = 'udfs/models/delay_risk', 'version' = '1');

CREATE TEMPORARY MODEL challenger
INPUT (dep_hour DOUBLE, day_of_week DOUBLE, distance DOUBLE, departures_1h DOUBLE, temp DOUBLE, dewp DOUBLE,
       humid DOUBLE, wind_speed DOUBLE, precip DOUBLE, pressure DOUBLE, visib DOUBLE)
OUTPUT (risk DOUBLE)
WITH ('provider' = 'lightgbm', 'path' = 'tests/replay/model_ml_predict/challenger', 'version' = '2');

CREATE TEMPORARY VIEW features AS
SELECT order_id, ts, CAST(HOUR(ts) AS DOUBLE) AS h, CAST(DAYOFWEEK(ts) AS DOUBLE) AS dow, amount * 10 AS dist,
       CAST(quantity AS DOUBLE) AS q, CAST(price AS DOUBLE) * 3 AS t, CAST(NULL AS DOUBLE) AS nothing
FROM orders;

INSERT INTO results
SELECT c.order_id, c.risk, n.risk
FROM ML_PREDICT(TABLE features, MODEL champion, DESCRIPTOR(h, dow, dist, q, t, t, q, q, nothing, dist, q)) AS c
JOIN ML_PREDICT(TABLE features, MODEL challenger, DESCRIPTOR(h, dow, dist, q, t, t, q, q, nothing, dist, q)) AS n
  ON c.order_id = n.order_id;
