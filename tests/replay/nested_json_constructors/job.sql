-- JSON_OBJECT and JSON_ARRAY nested in each other (Flink inserts a constructor's result as JSON, not as a
-- string), JSON_ARRAY's default ABSENT ON NULL, JSON_OBJECT's NULL ON NULL and ABSENT ON NULL, keys sorted.
CREATE TABLE order_documents (
  order_id BIGINT,
  doc      STRING,
  tags     STRING,
  sparse   STRING
) WITH ('connector' = 'blackhole');

INSERT INTO order_documents
SELECT order_id,
       JSON_OBJECT(KEY 'who' VALUE customer,
                   KEY 'item' VALUE JSON_OBJECT(KEY 'product' VALUE product, KEY 'quantity' VALUE quantity),
                   KEY 'flags' VALUE JSON_ARRAY(status, currency = 'EUR', JSON_ARRAY())),
       JSON_ARRAY(product, CASE WHEN quantity > 5 THEN 'bulk' END, order_id, JSON_OBJECT()),
       JSON_OBJECT(KEY 'customer' VALUE customer, KEY 'big' VALUE CASE WHEN quantity > 5 THEN quantity END
                   ABSENT ON NULL)
FROM orders
WHERE order_id <= 25;
