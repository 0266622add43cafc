-- Math: ROUND (half up), ABS, MOD (sign of the dividend), POWER, SQRT, LN, LOG10, SIGN, FLOOR, CEIL, TRUNCATE.

CREATE TABLE results (
  id INT, r2 DOUBLE, r0 DOUBLE, ab DOUBLE, m INT, pw DOUBLE, sq DOUBLE, ln_v DOUBLE, lg DOUBLE, sg DOUBLE, fl DOUBLE, ce DOUBLE, tr DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, ROUND(n, 2), ROUND(n), ABS(n), MOD(k, 3), POWER(n, 2), SQRT(ABS(n)), LN(ABS(n) + 1), LOG10(ABS(n) + 1),
       SIGN(n), FLOOR(n), CEIL(n), TRUNCATE(n, 1)
FROM samples;
