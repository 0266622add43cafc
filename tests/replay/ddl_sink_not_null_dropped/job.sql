-- The NOT NULL sink of ddl_sink_not_null with Flink's sink enforcer set to DROP: the paid order without a
-- customer is dropped at the sink instead of failing the job, every other row kept.
SET 'table.exec.sink.not-null-enforcer' = 'DROP';

CREATE TABLE customer_orders (
  customer STRING NOT NULL,
  order_id BIGINT NOT NULL,
  amount   DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO customer_orders
SELECT customer, order_id, amount FROM orders WHERE status = 'paid';
