-- Deduplication keeping each user's latest purchase, ordered by a computed rowtime.

CREATE TABLE results (
  user_id STRING, purchase_id BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT user_id, purchase_id, amount FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY rowtime DESC) AS rn FROM purchases
) WHERE rn = 1;
