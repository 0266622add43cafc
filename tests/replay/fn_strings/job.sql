-- String functions: case, TRIM, CHAR_LENGTH, SUBSTRING, POSITION, REPLACE, LPAD/RPAD (truncating), INITCAP.

CREATE TABLE results (
  id INT, up STRING, low STRING, trimmed STRING, len INT, sub1 STRING, sub2 STRING, pos INT, rep STRING, lp STRING, rp STRING, initc STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, UPPER(s), LOWER(s), TRIM(s), CHAR_LENGTH(s), SUBSTRING(s FROM 2 FOR 3), SUBSTR(s, 3),
       POSITION('o' IN s), REPLACE(s, 'a', 'AA'), LPAD(s, 8, '*'), RPAD(s, 3, '-'), INITCAP(s)
FROM samples;
