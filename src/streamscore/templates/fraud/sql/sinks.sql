-- Sink tables: what the jobs write.

-- A card used abroad in three countries in a row within 10 minutes.
CREATE TABLE card_alerts (
  card_id       STRING,
  home_country  STRING,
  first_payment BIGINT,
  last_payment  BIGINT,
  countries     STRING,
  total         DOUBLE,
  first_at      TIMESTAMP(3),
  alert_at      TIMESTAMP(3)
) WITH (
  'connector' = 'kafka',
  'topic' = 'card_alerts',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);

-- Gift-card spend per card and 10 minutes, where it passes a fifth of the card's limit.
CREATE TABLE gift_card_spend (
  card_id       STRING,
  window_start  TIMESTAMP(3),
  gift_cards    INT,
  spend         DOUBLE,
  credit_limit  DOUBLE
) WITH (
  'connector' = 'kafka',
  'topic' = 'gift_card_spend',
  'format' = 'json',
  'json.timestamp-format.standard' = 'SQL'
);
