-- Event-time LEFT temporal join over computed rowtimes: purchases before a currency's first rate keep NULLs.

CREATE TABLE results (
  purchase_id BIGINT, currency STRING, rate DOUBLE, rate_time TIMESTAMP_LTZ(3)
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT p.purchase_id, p.currency, r.rate, r.rowtime
FROM purchases AS p LEFT JOIN fx_rates FOR SYSTEM_TIME AS OF p.rowtime AS r ON p.currency = r.currency;
