-- Window Top-N: the two largest orders of each 10-minute window.

CREATE TABLE results (
  window_start TIMESTAMP(3), order_id BIGINT, amount DOUBLE, rn BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, order_id, amount, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY amount DESC) AS rn
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTES))
  WHERE amount IS NOT NULL
) WHERE rn <= 2;
