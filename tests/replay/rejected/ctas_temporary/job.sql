-- A temporary CREATE TABLE ... AS SELECT: Flink's parser refuses it, and so must the replay's gate, though the
-- replay could run the same query into a table of its own.
CREATE TEMPORARY TABLE paid_orders WITH ('connector' = 'blackhole')
AS SELECT order_id, customer, amount FROM orders WHERE status = 'paid';
