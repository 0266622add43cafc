-- CONCAT is NULL when any argument is; CONCAT_WS skips NULLs; || is NULL-strict.

CREATE TABLE results (
  id INT, c STRING, cw STRING, p STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT id, CONCAT(s, '|', CAST(k AS STRING)), CONCAT_WS('-', s, CAST(k AS STRING), 'z'), s || '!' FROM samples;
