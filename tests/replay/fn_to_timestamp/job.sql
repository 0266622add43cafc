-- TO_TIMESTAMP with the default and a Java format; unparsable strings give NULL.

CREATE TABLE results (
  id INT, t1 TIMESTAMP(3), t2 TIMESTAMP(3), t3 TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, TO_TIMESTAMP(CAST(t AS STRING)), TO_TIMESTAMP(DATE_FORMAT(t, 'yyyy/MM/dd HH:mm'), 'yyyy/MM/dd HH:mm'),
       TO_TIMESTAMP(s)
FROM samples;
