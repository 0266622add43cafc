-- GROUP BY expressions; MINUTE(ts) / 15 is integer division.

CREATE TABLE results (
  hour_of_day BIGINT, minute_bucket BIGINT, n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT HOUR(ts), MINUTE(ts) / 15, COUNT(*) FROM orders GROUP BY HOUR(ts), MINUTE(ts) / 15;
