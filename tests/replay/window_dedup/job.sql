-- Window deduplication: each customer's first order per window.

CREATE TABLE results (
  window_start TIMESTAMP(3), customer STRING, order_id BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, customer, order_id FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, customer ORDER BY ts ASC) AS rn
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTES))
) WHERE rn = 1;
