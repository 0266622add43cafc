-- Interval join: payments within 10 minutes of their order.

CREATE TABLE results (
  order_id BIGINT, pay_id BIGINT, minutes_to_pay BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.order_id, p.pay_id, TIMESTAMPDIFF(MINUTE, o.ts, p.ts)
FROM orders AS o JOIN payments AS p
  ON o.order_id = p.order_id AND p.ts BETWEEN o.ts AND o.ts + INTERVAL '10' MINUTE;
