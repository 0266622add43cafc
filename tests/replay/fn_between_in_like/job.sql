-- BETWEEN, IN and NOT IN lists (with NULLs), LIKE.

CREATE TABLE results (
  id INT, btw BOOLEAN, in_list BOOLEAN, not_in BOOLEAN, lk BOOLEAN, nlk BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, k BETWEEN -3 AND 3, k IN (1, 2, 3), k NOT IN (1, 2), s LIKE 'a%', s NOT LIKE '%d'
FROM samples;
