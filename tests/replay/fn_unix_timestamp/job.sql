-- UNIX_TIMESTAMP and FROM_UNIXTIME in the session time zone (UTC).

CREATE TABLE results (
  id INT, u1 BIGINT, u2 BIGINT, back STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, UNIX_TIMESTAMP(CAST(t AS STRING)), UNIX_TIMESTAMP(DATE_FORMAT(t, 'yyyyMMdd'), 'yyyyMMdd'),
       FROM_UNIXTIME(epoch_s)
FROM samples;
