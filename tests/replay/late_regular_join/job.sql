-- Late orders through regular joins: Flink's StreamingJoinOperator holds no timers and drops nothing, so
-- every row joins, late or not (an interval join's bounds are what make a join's late rows matter).
CREATE TABLE order_country (order_id BIGINT, country STRING)
WITH ('connector' = 'blackhole');

INSERT INTO order_country
SELECT o.order_id, c.country
FROM orders AS o JOIN customers AS c ON o.customer = c.customer;

-- Two event-time streams joined on a key alone.
CREATE TABLE order_payments (order_id BIGINT, amount DOUBLE, paid DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO order_payments
SELECT o.order_id, o.amount, p.paid
FROM orders AS o LEFT JOIN payments AS p ON o.order_id = p.order_id;

-- Enrichment in a view, then a group aggregate over it.
CREATE VIEW enriched AS
SELECT o.order_id, o.amount, c.country, c.tier
FROM orders AS o LEFT JOIN customers AS c ON o.customer = c.customer;

CREATE TABLE country_totals (country STRING, orders BIGINT, total DOUBLE, PRIMARY KEY (country) NOT ENFORCED)
WITH ('connector' = 'blackhole');

INSERT INTO country_totals
SELECT COALESCE(country, '?'), COUNT(*), SUM(amount)
FROM enriched
GROUP BY COALESCE(country, '?');
