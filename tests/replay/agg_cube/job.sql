-- CUBE.

CREATE TABLE out (
  currency STRING, status STRING, n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT currency, status, COUNT(*) FROM orders GROUP BY CUBE (currency, status);
