-- FLOOR/CEIL(timestamp TO unit).

CREATE TABLE results (
  id INT, f_hour TIMESTAMP(3), f_day TIMESTAMP(3), c_hour TIMESTAMP(3), f_month TIMESTAMP(3), c_min TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, FLOOR(t TO HOUR), FLOOR(t TO DAY), CEIL(t TO HOUR), FLOOR(t TO MONTH), CEIL(t TO MINUTE) FROM samples;
