-- Card payments with nested line items (the fraud example's input): one row per item through
-- CROSS JOIN UNNEST (WITH ORDINALITY), revenue per category, tags through LEFT JOIN UNNEST ... ON TRUE,
-- and the entries of a MAP of risk signals. A record whose items are not an array is a dead letter.

CREATE TABLE card_payments (
  payment_id   STRING,
  card         ROW<card_id STRING NOT NULL, issuer_country STRING>,
  merchant     STRING,
  items        ARRAY<ROW<sku STRING, category STRING, qty INT, price DOUBLE>>,
  tags         ARRAY<STRING>,
  risk_signals MAP<STRING, STRING>,
  paid_at      TIMESTAMP(3),
  WATERMARK FOR paid_at AS paid_at - INTERVAL '5' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'card-payments', 'format' = 'json');

CREATE TABLE payment_lines (
  payment_id STRING, card_id STRING, line_no INT, sku STRING, category STRING, amount DOUBLE
) WITH ('connector' = 'blackhole');

CREATE TABLE category_revenue (category STRING, lines BIGINT, units INT, revenue DOUBLE)
WITH ('connector' = 'blackhole');

CREATE TABLE payment_tags (payment_id STRING, tag STRING) WITH ('connector' = 'blackhole');

CREATE TABLE risk_signal_counts (signal STRING, signal_value STRING, payments BIGINT)
WITH ('connector' = 'blackhole');

INSERT INTO payment_lines
SELECT p.payment_id, p.card.card_id, li.line_no, li.sku, li.category, li.qty * li.price
FROM card_payments AS p
CROSS JOIN UNNEST(p.items) WITH ORDINALITY AS li(sku, category, qty, price, line_no);

INSERT INTO category_revenue
SELECT category, COUNT(*), SUM(qty), SUM(qty * price)
FROM card_payments CROSS JOIN UNNEST(items) AS t(sku, category, qty, price)
GROUP BY category;

INSERT INTO payment_tags
SELECT payment_id, tag FROM card_payments LEFT JOIN UNNEST(tags) AS t(tag) ON TRUE;

INSERT INTO risk_signal_counts
SELECT signal, signal_value, COUNT(*)
FROM card_payments CROSS JOIN UNNEST(risk_signals) AS r(signal, signal_value)
GROUP BY signal, signal_value;
