-- LISTAGG concatenates in arrival order.

CREATE TABLE results (
  customer STRING, products STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results SELECT customer, LISTAGG(product, ';') FROM orders WHERE order_id <= 12 GROUP BY customer;
