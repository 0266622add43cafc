-- Source tables shared by every case of this corpus (a case's job.sql declares its sinks).
-- The WITH clauses are what Flink's SQL client would need; replays bind the tables to inputs/.

CREATE TABLE orders (
  order_id   BIGINT,
  customer   STRING,
  product    STRING,
  quantity   INT,
  price      DECIMAL(10, 2),
  amount     DOUBLE,
  currency   STRING,
  status     STRING,
  ts         TIMESTAMP(3),
  order_date AS CAST(ts AS DATE),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/orders.jsonl', 'format' = 'json');

CREATE TABLE payments (
  pay_id   BIGINT,
  order_id BIGINT,
  paid     DOUBLE,
  pay_method STRING,
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/payments.jsonl', 'format' = 'json');

-- A versioned table: one version per currency and time.
CREATE TABLE rates (
  currency STRING,
  rate     DOUBLE,
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND,
  PRIMARY KEY (currency) NOT ENFORCED
) WITH ('connector' = 'filesystem', 'path' = 'inputs/rates.jsonl', 'format' = 'json');

-- The same history without a key, for versioned views.
CREATE TABLE rate_log (
  currency STRING,
  rate     DOUBLE,
  ts       TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/rate_log.jsonl', 'format' = 'json');

-- Reference data: no event time.
CREATE TABLE customers (
  customer STRING,
  country  STRING,
  tier     STRING,
  signup   DATE
) WITH ('connector' = 'filesystem', 'path' = 'inputs/customers.jsonl', 'format' = 'json');

CREATE TABLE clicks (
  user_id STRING,
  url     STRING,
  ts      TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/clicks.jsonl', 'format' = 'json');

-- Values for scalar semantics: edge cases and NULLs.
CREATE TABLE samples (
  id      INT,
  s       STRING,
  n       DOUBLE,
  i       BIGINT,
  k       INT,
  b       BOOLEAN,
  amt     DECIMAL(10, 3),
  js      STRING,
  d       DATE,
  t       TIMESTAMP(3),
  epoch_s BIGINT
) WITH ('connector' = 'filesystem', 'path' = 'inputs/samples.jsonl', 'format' = 'json');

-- Stock ticks, as in Flink's MATCH_RECOGNIZE examples.
CREATE TABLE ticks (
  symbol STRING,
  price  DECIMAL(10, 2),
  tax    INT,
  ts     TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/ticks.jsonl', 'format' = 'json');

-- Card transactions, for fraud patterns.
CREATE TABLE transactions (
  tx_id   BIGINT,
  card    STRING,
  country STRING,
  amount  DOUBLE,
  ts      TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/transactions.jsonl', 'format' = 'json');
