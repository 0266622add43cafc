-- Aggregates with FILTER (WHERE ...).

CREATE TABLE out (
  customer STRING, paid_n BIGINT, paid_total DOUBLE, all_n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO out
SELECT customer, COUNT(*) FILTER (WHERE status = 'paid'), SUM(amount) FILTER (WHERE status = 'paid'), COUNT(*)
FROM orders GROUP BY customer;
