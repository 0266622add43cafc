-- Nested JSON orders (a customer ROW with an address ROW inside, line items as ARRAY<ROW>, tags, a MAP of
-- attributes): field, element and map access, CARDINALITY. Records of the wrong shape are dead letters.

CREATE TABLE shop_orders (
  order_id   BIGINT,
  customer   ROW<id STRING NOT NULL, name STRING, address ROW<city STRING, country STRING NOT NULL, zip STRING>>,
  lines      ARRAY<ROW<sku STRING, qty INT, unit_price DECIMAL(10, 2)>>,
  tags       ARRAY<STRING>,
  attributes MAP<STRING NOT NULL, STRING>,
  total      DOUBLE,
  placed_at  TIMESTAMP(3)
) WITH ('connector' = 'kafka', 'topic' = 'shop-orders', 'format' = 'json');

CREATE TABLE order_facts (
  order_id BIGINT, customer_id STRING, city STRING, country STRING, first_sku STRING, first_qty INT,
  third_sku STRING, tenth_sku STRING, line_count INT, tag_count INT, first_tag STRING, channel STRING,
  coupon STRING, attribute_count INT
) WITH ('connector' = 'blackhole');

INSERT INTO order_facts
SELECT order_id, customer.id, o.customer.address.city, customer.address.country, lines[1].sku, o.lines[1].qty,
       lines[3].sku, lines[10].sku, CARDINALITY(lines), CARDINALITY(tags), tags[1], attributes['channel'],
       o.attributes['coupon'], CARDINALITY(attributes)
FROM shop_orders AS o;
