-- Debezium's tutorial inventory: the products table's change log (a snapshot read, then updates, an update
-- that changes nothing, deletes and an id inserted again) read with the debezium-json format. Per name:
-- products and total weight (a regular aggregate fed updates), and the two heaviest products (a top-N).
CREATE TABLE products (
  id          INT,
  name        STRING,
  description STRING,
  weight      DOUBLE,
  PRIMARY KEY (id) NOT ENFORCED
) WITH ('connector' = 'kafka', 'topic' = 'dbserver1.inventory.products', 'format' = 'debezium-json');

CREATE TABLE weight_by_name (name STRING, products BIGINT, total_weight DOUBLE, lightest DOUBLE,
                             PRIMARY KEY (name) NOT ENFORCED)
WITH ('connector' = 'blackhole');

CREATE TABLE heaviest (id INT, name STRING, weight DOUBLE, place BIGINT, PRIMARY KEY (place) NOT ENFORCED)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO weight_by_name
SELECT name, COUNT(*), SUM(weight), MIN(weight) FROM products GROUP BY name;
INSERT INTO heaviest
SELECT id, name, weight, place FROM (
  SELECT *, ROW_NUMBER() OVER (ORDER BY weight DESC) AS place FROM products
) WHERE place <= 2;
END;
