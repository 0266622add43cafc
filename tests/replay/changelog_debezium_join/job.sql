-- Debezium's tutorial inventory: orders (records with their schema, the change under "payload") joined with
-- products, both change logs. An order moves to another product, one is deleted, one names a product that
-- was deleted (an inner join drops it, a left join keeps it with NULLs).
CREATE TABLE products (
  id INT, name STRING, description STRING, weight DOUBLE,
  PRIMARY KEY (id) NOT ENFORCED
) WITH ('connector' = 'kafka', 'topic' = 'dbserver1.inventory.products', 'format' = 'debezium-json');

CREATE TABLE purchase_orders (
  order_number INT, order_date DATE, purchaser INT, quantity INT, product_id INT,
  PRIMARY KEY (order_number) NOT ENFORCED
) WITH ('connector' = 'kafka', 'topic' = 'dbserver1.inventory.orders', 'format' = 'debezium-json',
        'debezium-json.schema-include' = 'true');

CREATE TABLE quantity_by_product (name STRING, orders BIGINT, quantity INT, PRIMARY KEY (name) NOT ENFORCED)
WITH ('connector' = 'blackhole');

CREATE TABLE order_lines (order_number INT, purchaser INT, name STRING, weight DOUBLE)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO quantity_by_product
SELECT p.name, COUNT(*), SUM(o.quantity)
FROM purchase_orders AS o JOIN products AS p ON o.product_id = p.id
GROUP BY p.name;
INSERT INTO order_lines
SELECT o.order_number, o.purchaser, p.name, o.quantity * p.weight
FROM purchase_orders AS o LEFT JOIN products AS p ON o.product_id = p.id;
END;
