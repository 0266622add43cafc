-- DATE arithmetic with intervals, casts and formatting.

CREATE TABLE results (
  id INT, plus_days DATE, diff INT, d_s STRING, from_str DATE, month_end BOOLEAN
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, d + INTERVAL '3' DAY, TIMESTAMPDIFF(DAY, CAST(d AS TIMESTAMP(3)), t), DATE_FORMAT(CAST(d AS TIMESTAMP(3)), 'yyyy/MM/dd'),
       CAST('2024-05-06' AS DATE), EXTRACT(DAY FROM d + INTERVAL '1' DAY) = 1
FROM samples;
