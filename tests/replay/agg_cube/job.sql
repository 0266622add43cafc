-- CUBE.

CREATE TABLE results (
  currency STRING, status STRING, n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT currency, status, COUNT(*) FROM orders GROUP BY CUBE (currency, status);
