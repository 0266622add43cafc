-- LEFT interval join: orders unpaid within 5 minutes get NULL.

CREATE TABLE results (
  order_id BIGINT, pay_id BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT o.order_id, p.pay_id
FROM orders AS o LEFT JOIN payments AS p
  ON o.order_id = p.order_id AND p.ts >= o.ts AND p.ts < o.ts + INTERVAL '5' MINUTE;
