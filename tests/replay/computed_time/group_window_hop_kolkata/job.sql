-- Legacy GROUP BY HOP(...) over a TIMESTAMP_LTZ rowtime in Asia/Kolkata (UTC+05:30) with slices the offset
-- does not divide: the legacy window operator keeps every row, so the replay runs it (unlike window TVFs).

SET 'table.local-time-zone' = 'Asia/Kolkata';

CREATE TABLE results (
  user_id STRING, w_start TIMESTAMP(3), w_end TIMESTAMP(3), view_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, HOP_START(rowtime, INTERVAL '20' MINUTE, INTERVAL '1' HOUR),
       HOP_END(rowtime, INTERVAL '20' MINUTE, INTERVAL '1' HOUR), COUNT(*)
FROM page_views GROUP BY user_id, HOP(rowtime, INTERVAL '20' MINUTE, INTERVAL '1' HOUR);
