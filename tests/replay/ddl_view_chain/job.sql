-- Views on views (temporary and not), a grouped aggregation over them.

CREATE TABLE results (
  customer STRING, n BIGINT
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW paid AS SELECT * FROM orders WHERE status = 'paid';
CREATE VIEW paid_big AS SELECT customer, amount FROM paid WHERE amount > 20;
INSERT INTO results SELECT customer, COUNT(*) FROM paid_big GROUP BY customer;
