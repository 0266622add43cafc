-- Source tables of the card-fraud project: plain Flink SQL. The profiles in connectors/ add the connection
-- details (local broker, any Kafka cluster) or bind the tables to files for replays.

-- One record per card payment, with its basket: line items nested in the record as a producer sends them.
CREATE TABLE payments (
  payment_id  BIGINT,
  card_id     STRING,
  merchant    STRING,
  country     STRING,          -- where the card was used (ISO code)
  amount      DOUBLE,
  line_items  ARRAY<ROW<sku STRING, category STRING, quantity INT, unit_price DOUBLE>>,
  paid_at     TIMESTAMP(3),
  -- Terminals report a few seconds out of order; 10 s of delay lets every payment in.
  WATERMARK FOR paid_at AS paid_at - INTERVAL '10' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'payments',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL',
  'scan.startup.mode' = 'earliest-offset'
);

-- The card reference data as a change log: a record per card when it is issued and each time its holder's
-- country or its credit limit changes.
CREATE TABLE card_updates (
  card_id       STRING,
  home_country  STRING,
  credit_limit  DOUBLE,
  updated_at    TIMESTAMP(3),
  WATERMARK FOR updated_at AS updated_at
) WITH (
  'connector' = 'kafka',
  'topic' = 'card_updates',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL',
  'scan.startup.mode' = 'earliest-offset'
);
