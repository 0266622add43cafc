-- A sink column declared NOT NULL that an order without a customer reaches: Flink's sink enforcer fails the
-- job (its default, 'table.exec.sink.not-null-enforcer' = 'ERROR'), and so must the replay, not write the NULL.
CREATE TABLE customer_orders (
  customer STRING NOT NULL,
  order_id BIGINT NOT NULL,
  amount   DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO customer_orders
SELECT customer, order_id, amount FROM orders WHERE status = 'paid';
