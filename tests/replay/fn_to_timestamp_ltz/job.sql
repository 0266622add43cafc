-- TO_TIMESTAMP_LTZ from epoch seconds and milliseconds.

CREATE TABLE results (
  id INT, ltz_s STRING, as_ts TIMESTAMP(3), ms STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, CAST(TO_TIMESTAMP_LTZ(epoch_s, 0) AS STRING), CAST(TO_TIMESTAMP_LTZ(epoch_s * 1000 + 123, 3) AS TIMESTAMP(3)),
       DATE_FORMAT(TO_TIMESTAMP_LTZ(epoch_s, 0), 'yyyy-MM-dd HH:mm')
FROM samples;
