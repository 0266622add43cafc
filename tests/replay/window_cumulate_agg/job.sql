-- CUMULATE windows: step 10 min, max 30 min.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTES, INTERVAL '30' MINUTES))
GROUP BY window_start, window_end;
