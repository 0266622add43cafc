-- Legacy GROUP BY TUMBLE(rowtime, 1 DAY) over a TIMESTAMP_LTZ rowtime in America/New_York across a
-- daylight saving change, with TUMBLE_ROWTIME.

SET 'table.local-time-zone' = 'America/New_York';

CREATE TABLE results (
  w_start TIMESTAMP(3), w_end TIMESTAMP(3), rowtime_text STRING, view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT TUMBLE_START(rowtime, INTERVAL '1' DAY), TUMBLE_END(rowtime, INTERVAL '1' DAY),
       CAST(TUMBLE_ROWTIME(rowtime, INTERVAL '1' DAY) AS STRING), COUNT(*)
FROM page_views GROUP BY TUMBLE(rowtime, INTERVAL '1' DAY);
