-- INSERT with a column list in another order; the unlisted column is NULL.

CREATE TABLE results (
  order_id BIGINT, note STRING, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results (amount, order_id) SELECT amount, order_id FROM orders WHERE quantity > 6;
