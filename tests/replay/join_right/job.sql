-- RIGHT JOIN: customers without orders appear with NULL order_id.

CREATE TABLE results (
  customer STRING, order_id BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT c.customer, o.order_id FROM orders AS o RIGHT JOIN customers AS c ON o.customer = c.customer;
