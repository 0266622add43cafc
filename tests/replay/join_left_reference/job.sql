-- LEFT JOIN: orders without a known customer keep NULLs (Flink retracts and re-emits).

CREATE TABLE results (
  order_id BIGINT, country STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.order_id, c.country FROM orders AS o LEFT JOIN customers AS c ON o.customer = c.customer;
