-- Window Top-N over a computed rowtime: the two largest purchases of each 10-minute window.

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), purchase_id BIGINT, amount DOUBLE, rn BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, purchase_id, amount, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY amount DESC) AS rn
  FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(rowtime), INTERVAL '10' MINUTES))
) WHERE rn <= 2;
