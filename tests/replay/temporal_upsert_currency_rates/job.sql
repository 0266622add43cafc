-- The exchange rates of a currency desk, as a compacted topic keyed by currency (upsert-kafka): each record
-- the currency's rate from its update time on. Orders in several currencies are priced in euros at the rate
-- that held when each was placed (a versioned table joined FOR SYSTEM_TIME AS OF the order's time).
CREATE TABLE currency_rates (
  currency        STRING,
  conversion_rate DECIMAL(10, 4),
  update_time     TIMESTAMP(3),
  WATERMARK FOR update_time AS update_time,
  PRIMARY KEY (currency) NOT ENFORCED
) WITH ('connector' = 'upsert-kafka', 'topic' = 'currency_rates', 'key.format' = 'json', 'value.format' = 'json');

CREATE TABLE fx_orders (
  order_id   STRING,
  price      DECIMAL(10, 2),
  currency   STRING,
  order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time
) WITH ('connector' = 'kafka', 'topic' = 'fx_orders', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');

CREATE TABLE orders_in_euros (order_id STRING, currency STRING, price DECIMAL(10, 2), rate DECIMAL(10, 4),
                              euros DECIMAL(21, 6), order_time TIMESTAMP(3))
WITH ('connector' = 'blackhole');

INSERT INTO orders_in_euros
SELECT o.order_id, o.currency, o.price, r.conversion_rate, o.price * r.conversion_rate, o.order_time
FROM fx_orders AS o
LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF o.order_time AS r
  ON o.currency = r.currency;
