-- FULL OUTER JOIN, both sides padded.

CREATE TABLE results (
  order_customer STRING, ref_customer STRING, order_id BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.customer, c.customer, o.order_id FROM orders AS o FULL OUTER JOIN customers AS c ON o.customer = c.customer;
