-- SPLIT_INDEX is 0-based, NULL past the end.

CREATE TABLE results (
  id INT, p0 STRING, p1 STRING, p3 STRING, p9 STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT id, SPLIT_INDEX(s, ',', 0), SPLIT_INDEX(s, ',', 1), SPLIT_INDEX(s, ',', 3), SPLIT_INDEX(s, ',', 9) FROM samples;
