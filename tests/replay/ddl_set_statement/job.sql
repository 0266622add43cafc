-- SET statements run in file order before the INSERT.

CREATE TABLE out (
  order_id BIGINT, n BIGINT
) WITH ('connector' = 'blackhole');

SET 'parallelism.default' = '1';
SET 'table.exec.mini-batch.enabled' = 'false';
INSERT INTO out SELECT order_id, quantity * 10 FROM orders WHERE order_id <= 5;
