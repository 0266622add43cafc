-- Each customer's first order by event time, and the latest, over out-of-order orders. Flink plans the first
-- as its rowtime Deduplicate keeping the first row, which emits a customer's row once the watermark passes
-- it and drops an order strictly behind the watermark (an earlier order arriving late changes nothing);
-- keeping the last row replaces at once, late or not.
CREATE TABLE first_orders (customer STRING, order_id BIGINT, amount DOUBLE, ts TIMESTAMP(3))
WITH ('connector' = 'blackhole');
CREATE TABLE latest_orders (customer STRING, order_id BIGINT, amount DOUBLE, ts TIMESTAMP(3),
                            PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO first_orders
SELECT customer, order_id, amount, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts) AS rn FROM orders
) WHERE rn = 1;
INSERT INTO latest_orders
SELECT customer, order_id, amount, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts DESC) AS rn FROM orders
) WHERE rn = 1;
END;
