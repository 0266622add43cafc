-- Legacy GROUP BY TUMBLE(...) over a TIMESTAMP_LTZ rowtime in a half-hour-offset time zone.

SET 'table.local-time-zone' = 'Asia/Kolkata';

CREATE TABLE results (
  w_start TIMESTAMP(3), w_end TIMESTAMP(3), w_rowtime TIMESTAMP_LTZ(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT TUMBLE_START(rowtime, INTERVAL '1' HOUR), TUMBLE_END(rowtime, INTERVAL '1' HOUR),
       TUMBLE_ROWTIME(rowtime, INTERVAL '1' HOUR), COUNT(*)
FROM page_views GROUP BY TUMBLE(rowtime, INTERVAL '1' HOUR);
