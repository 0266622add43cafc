-- Interval join on computed rowtimes: the pages a user viewed in the 5 minutes before each purchase.

CREATE TABLE results (
  purchase_id BIGINT, user_id STRING, page STRING, seconds_before BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT p.purchase_id, p.user_id, v.page, (p.purchase_ms - v.view_ms) / 1000
FROM purchases AS p JOIN page_views AS v
  ON p.user_id = v.user_id AND v.rowtime BETWEEN p.rowtime - INTERVAL '5' MINUTE AND p.rowtime;
