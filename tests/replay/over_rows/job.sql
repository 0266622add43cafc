-- OVER with a ROWS frame (the current and two preceding rows).

CREATE TABLE results (
  order_id BIGINT, product STRING, avg3 DOUBLE, min3 DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, product,
  AVG(amount) OVER (PARTITION BY product ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
  MIN(amount) OVER (PARTITION BY product ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM orders;
