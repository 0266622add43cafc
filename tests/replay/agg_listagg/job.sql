-- LISTAGG concatenates in arrival order.

CREATE TABLE out (
  customer STRING, products STRING
) WITH ('connector' = 'blackhole');

INSERT INTO out SELECT customer, LISTAGG(product, ';') FROM orders WHERE order_id <= 12 GROUP BY customer;
