-- JSON_VALUE (with RETURNING), JSON_QUERY, IS JSON; invalid JSON gives NULL.

CREATE TABLE out (
  id INT, b STRING, b_int INT, name STRING, arr STRING, missing STRING, is_json BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT id, JSON_VALUE(js, '$.a.b'), JSON_VALUE(js, '$.a.b' RETURNING INT), JSON_VALUE(js, '$.name'),
       JSON_QUERY(js, '$.arr'), JSON_VALUE(js, '$.nope'), js IS JSON
FROM samples;
