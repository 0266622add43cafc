-- MAP and ARRAY values written to a sink's MAP and ARRAY columns: a map built from columns (a NULL value kept
-- under its key) and an array of numbers with a NULL element.
CREATE TABLE order_facts (
  order_id BIGINT,
  facts    MAP<STRING, DOUBLE>,
  numbers  ARRAY<BIGINT>
) WITH ('connector' = 'blackhole');

INSERT INTO order_facts
SELECT order_id,
       MAP['amount', amount, 'quantity', CAST(quantity AS DOUBLE), 'refund', CASE WHEN status = 'refunded' THEN amount END],
       ARRAY[order_id, CAST(quantity AS BIGINT), CAST(NULL AS BIGINT)]
FROM orders;
