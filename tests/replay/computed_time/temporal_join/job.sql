-- Event-time temporal join: purchases converted at the rate valid at their computed rowtime.

CREATE TABLE results (
  purchase_id BIGINT, currency STRING, amount DOUBLE, rate DOUBLE, converted DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT p.purchase_id, p.currency, p.amount, r.rate, p.amount * r.rate
FROM purchases AS p JOIN fx_rates FOR SYSTEM_TIME AS OF p.rowtime AS r ON p.currency = r.currency;
