-- More string functions: LTRIM/RTRIM, REVERSE, REPEAT, LEFT/RIGHT, LOCATE, ASCII, LIKE, TRIM(BOTH c FROM s).

CREATE TABLE results (
  id INT, lt STRING, rt STRING, rev STRING, rp STRING, l2 STRING, r2 STRING, loc INT, ascii_v INT, like_v BOOLEAN, trimmed_dash STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, LTRIM(s), RTRIM(s), REVERSE(s), REPEAT(s, 2), `LEFT`(s, 2), `RIGHT`(s, 2), LOCATE('b', s), ASCII(s),
       s LIKE '%e%', TRIM(BOTH '-' FROM s)
FROM samples;
