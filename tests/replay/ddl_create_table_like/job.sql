-- A table declared LIKE another (a common recipe: the same schema on another topic): the base's columns,
-- computed column and watermark come along, its options are merged under the new table's own.
CREATE TEMPORARY TABLE orders_eu WITH ('path' = 'inputs/orders_eu.jsonl') LIKE orders (EXCLUDING CONSTRAINTS);

CREATE TABLE eu_hourly (
  window_start TIMESTAMP(3),
  order_date   DATE,
  orders       BIGINT,
  eur_amount   DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO eu_hourly
SELECT window_start, MIN(order_date), COUNT(*), SUM(CASE WHEN currency = 'EUR' THEN amount ELSE 0 END)
FROM TABLE(TUMBLE(TABLE orders_eu, DESCRIPTOR(ts), INTERVAL '15' MINUTE))
GROUP BY window_start, window_end;
