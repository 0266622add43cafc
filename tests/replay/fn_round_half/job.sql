-- ROUND rounds half away from zero for DECIMAL and DOUBLE.

CREATE TABLE results (
  id INT, r_dec DECIMAL(10, 2), r_dbl DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT id, ROUND(amt, 2), ROUND(CAST(k AS DOUBLE) / 2, 0) FROM samples;
