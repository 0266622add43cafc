-- ARRAY_AGG collects a group's values in arrival order, NULLs kept (RESPECT NULLS is Flink's default): the
-- products and quantities of each customer's first orders, the orders without a customer in a group of their own.
CREATE TABLE customer_baskets (
  customer   STRING,
  products   ARRAY<STRING>,
  quantities ARRAY<INT>,
  order_ids  ARRAY<BIGINT>
) WITH ('connector' = 'blackhole');

INSERT INTO customer_baskets
SELECT customer, ARRAY_AGG(product), ARRAY_AGG(CASE WHEN quantity > 5 THEN quantity END), ARRAY_AGG(order_id)
FROM orders
WHERE order_id <= 30
GROUP BY customer;
