-- Inner join of a stream with a file-backed reference table.

CREATE TABLE results (
  order_id BIGINT, customer STRING, country STRING, tier STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.order_id, o.customer, c.country, c.tier
FROM orders AS o JOIN customers AS c ON o.customer = c.customer;
