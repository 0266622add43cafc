-- OVER aggregation ordered by a computed rowtime: each purchase with its user's spend in the last 15 minutes.

CREATE TABLE results (
  purchase_id BIGINT, user_id STRING, amount DOUBLE, recent_total DOUBLE, recent_count BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT purchase_id, user_id, amount,
  SUM(amount) OVER w, COUNT(*) OVER w
FROM purchases
WINDOW w AS (PARTITION BY user_id ORDER BY rowtime RANGE BETWEEN INTERVAL '15' MINUTE PRECEDING AND CURRENT ROW);
