-- An account-balance topic as Flink's upsert-kafka page writes it with a key prefix: the key holds the
-- account id (its column named with 'key.fields-prefix'), the value only the other fields (EXCEPT_KEY).
-- Updates replace an account's balance, tombstones close accounts, one balance has no currency. Per
-- currency: open accounts and the total; the two largest balances overall (a top-N over the upserts).
CREATE TABLE balances (
  k_account_id STRING,
  balance      DECIMAL(12, 2),
  currency     STRING,
  updated_at   TIMESTAMP(3),
  PRIMARY KEY (k_account_id) NOT ENFORCED
) WITH ('connector' = 'upsert-kafka', 'topic' = 'balances', 'key.format' = 'json', 'value.format' = 'json',
        'key.fields-prefix' = 'k_', 'value.fields-include' = 'EXCEPT_KEY');

CREATE TABLE per_currency (currency STRING, accounts BIGINT, total DECIMAL(38, 2), last_update TIMESTAMP(3),
                           PRIMARY KEY (currency) NOT ENFORCED)
WITH ('connector' = 'blackhole');

CREATE TABLE largest (place BIGINT, account_id STRING, balance DECIMAL(12, 2), PRIMARY KEY (place) NOT ENFORCED)
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET BEGIN
INSERT INTO per_currency
SELECT COALESCE(currency, '?'), COUNT(*), SUM(balance), MAX(updated_at) FROM balances GROUP BY COALESCE(currency, '?');
INSERT INTO largest
SELECT place, k_account_id, balance FROM (
  SELECT *, ROW_NUMBER() OVER (ORDER BY balance DESC) AS place FROM balances
) WHERE place <= 2;
END;
