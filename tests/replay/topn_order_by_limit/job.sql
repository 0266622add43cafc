-- ORDER BY ... LIMIT on a stream is a Top-N.

CREATE TABLE results (
  order_id BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT order_id, amount FROM orders WHERE amount IS NOT NULL ORDER BY amount DESC LIMIT 3;
