-- JSON_ARRAYAGG as a JSON document per group (its default ABSENT ON NULL leaves NULL values out), of plain
-- values and of JSON_OBJECTs, which nest as objects rather than as strings.
CREATE TABLE customer_documents (
  customer STRING,
  products STRING,
  lines    STRING,
  big      STRING
) WITH ('connector' = 'blackhole');

INSERT INTO customer_documents
SELECT customer,
       JSON_ARRAYAGG(product),
       JSON_ARRAYAGG(JSON_OBJECT(KEY 'id' VALUE order_id, KEY 'product' VALUE product, KEY 'paid' VALUE status = 'paid')),
       JSON_ARRAYAGG(CASE WHEN quantity > 8 THEN order_id END)
FROM orders
WHERE order_id <= 40
GROUP BY customer;
