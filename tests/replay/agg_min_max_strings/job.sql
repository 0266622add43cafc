-- MIN/MAX over strings and timestamps.

CREATE TABLE out (
  currency STRING, first_customer STRING, last_customer STRING, min_ts TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT currency, MIN(customer), MAX(customer), MIN(ts) FROM orders GROUP BY currency;
