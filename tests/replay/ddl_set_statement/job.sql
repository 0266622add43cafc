-- SET statements run in file order before the INSERT.

CREATE TABLE results (
  order_id BIGINT, n BIGINT
) WITH ('connector' = 'blackhole');

SET 'parallelism.default' = '1';
SET 'table.exec.mini-batch.enabled' = 'false';
INSERT INTO results SELECT order_id, quantity * 10 FROM orders WHERE order_id <= 5;
