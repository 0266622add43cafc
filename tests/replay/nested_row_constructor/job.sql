-- ROW(...) builds nested values into a sink's ROW columns by position (Flink names the fields EXPR$0, ...):
-- a row inside a row, rows in an array, NULL fields kept as NULL inside a row that is not NULL.
CREATE TABLE order_documents (
  order_id BIGINT,
  doc      ROW<customer STRING, total DOUBLE, item ROW<product STRING, quantity INT>>,
  lines    ARRAY<ROW<what STRING, amount DOUBLE>>
) WITH ('connector' = 'blackhole');

INSERT INTO order_documents
SELECT order_id,
       ROW(customer, amount, ROW(product, quantity)),
       ARRAY[ROW(product, amount), ROW('tax', amount * 0.2), ROW(CAST(NULL AS STRING), CAST(NULL AS DOUBLE))]
FROM orders
WHERE status <> 'cancelled';
