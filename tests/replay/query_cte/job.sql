-- Common table expressions (WITH), a cross join with a one-row aggregate.

CREATE TABLE results (
  customer STRING, share DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
WITH totals AS (SELECT customer, SUM(amount) AS total FROM orders WHERE amount IS NOT NULL GROUP BY customer),
     everything AS (SELECT SUM(amount) AS total FROM orders)
SELECT t.customer, ROUND(t.total / e.total, 6) FROM totals AS t CROSS JOIN everything AS e;
