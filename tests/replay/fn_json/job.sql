-- JSON_VALUE, JSON_QUERY, IS JSON; invalid JSON gives NULL.

CREATE TABLE results (
  id INT, b STRING, b_num DOUBLE, name STRING, arr STRING, missing STRING, is_json BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, JSON_VALUE(js, '$.a.b'), TRY_CAST(JSON_VALUE(js, '$.a.b') AS DOUBLE), JSON_VALUE(js, '$.name'),
       JSON_QUERY(js, '$.arr'), JSON_VALUE(js, '$.nope'), js IS JSON
FROM samples;
