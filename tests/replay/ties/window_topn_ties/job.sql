-- Window Top-N: the two highest values per sensor and 5-second window. Rows tie on the value; Flink ranks
-- them by arrival (its top-N keeps equal sort keys in one list, in arrival order), file order here.
CREATE TABLE results (sensor STRING, windowEnd TIMESTAMP(3), id BIGINT, val INT, rn BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT sensor, window_end, id, val, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor, window_start, window_end ORDER BY val DESC) AS rn
  FROM TABLE(TUMBLE(TABLE readings, DESCRIPTOR(ts), INTERVAL '5' SECOND))
) WHERE rn <= 2;
