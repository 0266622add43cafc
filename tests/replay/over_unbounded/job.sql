-- OVER from the start of the partition.

CREATE TABLE results (
  order_id BIGINT, cumulative DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT order_id, SUM(amount) OVER (PARTITION BY status ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
FROM orders;
