-- A computed column (CAST(ts AS DATE)) read like a physical one.

CREATE TABLE results (
  order_id BIGINT, order_date DATE, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT order_id, order_date, amount FROM orders WHERE order_date IS NOT NULL;
