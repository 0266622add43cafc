-- AVG over integers is an integer (truncated), as in Flink.

CREATE TABLE results (
  b BOOLEAN, avg_k INT, avg_i BIGINT, avg_n DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT b, AVG(k), AVG(i), AVG(n) FROM samples GROUP BY b;
