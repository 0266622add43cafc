-- Aggregates with FILTER (WHERE ...).

CREATE TABLE results (
  customer STRING, paid_n BIGINT, paid_total DOUBLE, all_n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT customer, COUNT(*) FILTER (WHERE status = 'paid'), SUM(amount) FILTER (WHERE status = 'paid'), COUNT(*)
FROM orders GROUP BY customer;
