-- DATE_FORMAT with Java patterns.

CREATE TABLE results (
  id INT, f1 STRING, f2 STRING, f3 STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, DATE_FORMAT(t, 'yyyy-MM-dd HH:mm:ss'), DATE_FORMAT(t, 'dd/MM/yy HH:mm:ss.SSS'), DATE_FORMAT(t, 'yyyyMMdd')
FROM samples;
