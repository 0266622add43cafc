-- Integer division truncates toward zero; DOUBLE division does not.

CREATE TABLE results (
  id INT, a BIGINT, b INT, c INT, d DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT id, i / 2, k / 2, 7 / k, n / 4 FROM samples WHERE k <> 0;
