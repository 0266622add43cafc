-- EXECUTE STATEMENT SET: two sinks in one job.

CREATE TABLE paid_orders (
  order_id BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TABLE other_orders (
  order_id BIGINT, status STRING
) WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO paid_orders SELECT order_id, amount FROM orders WHERE status = 'paid';
  INSERT INTO other_orders SELECT order_id, status FROM orders WHERE status <> 'paid';
END;
