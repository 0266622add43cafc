-- Query hints: a STATE_TTL on a regular join and one on a group aggregate (Flink 1.18+). The replay plans
-- nothing, so it drops the hints, and notes that a TTL counts processing time, which a replay of history
-- does not let pass.
CREATE TABLE spend_per_tier (tier STRING, orders BIGINT, total DOUBLE) WITH ('connector' = 'blackhole');
CREATE TABLE spend_per_customer (customer STRING, orders BIGINT) WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO spend_per_tier
SELECT /*+ STATE_TTL('o' = '1d', 'c' = '12h') */ c.tier, COUNT(*), SUM(o.amount)
FROM orders AS o JOIN customers AS c ON o.customer = c.customer
GROUP BY c.tier;
INSERT INTO spend_per_customer
SELECT /*+ STATE_TTL('orders' = '1h') */ customer, COUNT(*)
FROM orders
GROUP BY customer;
END;
