-- Numeric casts: truncation toward zero, strings to numbers, TRY_CAST to NULL.

CREATE TABLE results (
  id INT, to_int INT, to_bigint BIGINT, from_string INT, to_double DOUBLE, bad INT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, CAST(n AS INT), CAST(amt AS BIGINT), CAST(SPLIT_INDEX(s, '-', 1) AS INT), CAST(k AS DOUBLE) / 3,
       TRY_CAST(s AS INT)
FROM samples;
