-- REGEXP_REPLACE replaces every match, its replacement taken literally ($2 is not a group); REGEXP matches anywhere.

CREATE TABLE results (
  id INT, r1 STRING, r2 STRING, r3 BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT id, REGEXP_REPLACE(s, '[aeiou]', '*'), REGEXP_REPLACE(s, '([a-z]+)-([0-9]+)', '$2:$1'), REGEXP(s, '^[A-Z]')
FROM samples;
