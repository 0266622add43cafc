-- IF, CASE (searched and simple), COALESCE, NULLIF, GREATEST.

CREATE TABLE results (
  id INT, if_v STRING, case_v STRING, coalesce_v DOUBLE, nullif_v INT, greatest_v INT, case_simple STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, IF(k > 0, 'pos', 'neg'), CASE WHEN n IS NULL THEN 'none' WHEN n > 10 THEN 'big' ELSE 'small' END,
       COALESCE(n, CAST(k AS DOUBLE), -1.0), NULLIF(k, 2), GREATEST(k, 0, -5),
       CASE k WHEN 2 THEN 'two' WHEN 3 THEN 'three' END
FROM samples;
