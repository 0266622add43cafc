-- REGEXP_EXTRACT group numbering (0 = whole match), NULL when nothing matches.

CREATE TABLE results (
  id INT, g1 STRING, g2 STRING, g0 STRING, nomatch STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, REGEXP_EXTRACT(s, '([a-z]+)-([0-9]+)', 1), REGEXP_EXTRACT(s, '([a-z]+)-([0-9]+)', 2),
       REGEXP_EXTRACT(s, '[0-9]+', 0), REGEXP_EXTRACT(s, 'zzz(.)', 1)
FROM samples;
