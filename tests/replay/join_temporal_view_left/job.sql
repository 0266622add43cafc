-- LEFT temporal join against a versioned view (deduplicated by event time).

CREATE TABLE results (
  order_id BIGINT, rate DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW latest_rate AS
SELECT currency, rate, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY currency ORDER BY ts DESC) AS rownum FROM rate_log
) WHERE rownum = 1;

INSERT INTO results
SELECT o.order_id, r.rate
FROM orders AS o LEFT JOIN latest_rate FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency;
