-- table.local-time-zone changes how TIMESTAMP_LTZ values read as local time.

CREATE TABLE results (
  id INT, local_s STRING, local_ts TIMESTAMP(3), unix BIGINT
) WITH ('connector' = 'blackhole');

SET 'table.local-time-zone' = 'America/New_York';

INSERT INTO results
SELECT id, CAST(TO_TIMESTAMP_LTZ(epoch_s, 0) AS STRING), CAST(TO_TIMESTAMP_LTZ(epoch_s, 0) AS TIMESTAMP(3)),
       UNIX_TIMESTAMP(CAST(t AS STRING))
FROM samples;
