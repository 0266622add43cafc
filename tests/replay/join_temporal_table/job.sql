-- Event-time temporal join against a versioned table (PRIMARY KEY + watermark).

CREATE TABLE results (
  order_id BIGINT, currency STRING, rate DOUBLE, converted DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.order_id, o.currency, r.rate, o.amount * r.rate
FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency;
