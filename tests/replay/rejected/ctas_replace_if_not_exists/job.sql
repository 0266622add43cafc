-- CREATE OR REPLACE TABLE ... IF NOT EXISTS ... AS SELECT: Flink's parser refuses the combination.
CREATE OR REPLACE TABLE IF NOT EXISTS paid_orders WITH ('connector' = 'blackhole')
AS SELECT order_id, customer, amount FROM orders WHERE status = 'paid';
