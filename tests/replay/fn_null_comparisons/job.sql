-- Three-valued logic and NULL-safe comparisons.

CREATE TABLE results (
  id INT, eq BOOLEAN, distinct_from BOOLEAN, not_distinct BOOLEAN, is_true BOOLEAN, and_null BOOLEAN, or_null BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, k = 2, k IS DISTINCT FROM 2, k IS NOT DISTINCT FROM NULL, b IS TRUE, b AND k > 0, b OR k > 0 FROM samples;
