-- SELECT DISTINCT.

CREATE TABLE results (
  product STRING, currency STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT DISTINCT product, currency FROM orders;
