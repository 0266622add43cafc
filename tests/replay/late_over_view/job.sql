-- OVER windows, a keep-first deduplication and a temporal sort reading views that filter and project out-of-order orders: each view
-- keeps the source's time attribute and arrival order, so Flink's operators drop the rows they would drop
-- reading the source, among the rows the view keeps.
CREATE TEMPORARY VIEW paid AS SELECT order_id, customer, amount, ts FROM orders WHERE status = 'paid';
CREATE TEMPORARY VIEW big_orders AS SELECT * FROM orders WHERE amount > 10;

CREATE TABLE recent_paid (order_id BIGINT, customer STRING, recent_n BIGINT, recent_total DOUBLE)
WITH ('connector' = 'blackhole');
CREATE TABLE running_large (order_id BIGINT, customer STRING, total DOUBLE, previous DOUBLE)
WITH ('connector' = 'blackhole');
CREATE TABLE sorted_paid (order_id BIGINT, ts TIMESTAMP(3))
WITH ('connector' = 'blackhole');
CREATE TABLE first_paid (customer STRING, order_id BIGINT, ts TIMESTAMP(3))
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO recent_paid
SELECT order_id, customer, COUNT(*) OVER w, SUM(amount) OVER w
FROM paid
WINDOW w AS (PARTITION BY customer ORDER BY ts RANGE BETWEEN INTERVAL '2' MINUTE PRECEDING AND CURRENT ROW);
INSERT INTO running_large
SELECT order_id, customer,
  SUM(amount) OVER (PARTITION BY customer ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
  LAG(amount) OVER (PARTITION BY customer ORDER BY ts)
FROM big_orders;
INSERT INTO sorted_paid
SELECT order_id, ts FROM paid ORDER BY ts;
INSERT INTO first_paid
SELECT customer, order_id, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY ts) AS rn FROM paid
) WHERE rn = 1;
END;
