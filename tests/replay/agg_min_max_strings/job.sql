-- MIN/MAX over strings and timestamps.

CREATE TABLE results (
  currency STRING, first_customer STRING, last_customer STRING, min_ts TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT currency, MIN(customer), MAX(customer), MIN(ts) FROM orders GROUP BY currency;
