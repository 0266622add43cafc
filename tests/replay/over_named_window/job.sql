-- A named WINDOW clause shared by two aggregates.

CREATE TABLE results (
  order_id BIGINT, running_n BIGINT, running_max DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, COUNT(*) OVER w, MAX(amount) OVER w
FROM orders
WINDOW w AS (PARTITION BY currency ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW);
