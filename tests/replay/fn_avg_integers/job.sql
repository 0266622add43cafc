-- AVG over integers is an integer (truncated), as in Flink.

CREATE TABLE out (
  b BOOLEAN, avg_k INT, avg_i BIGINT, avg_n DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT b, AVG(k), AVG(i), AVG(n) FROM samples GROUP BY b;
