-- Line items of card payments in 10-minute event-time windows: the payment's rowtime carries through
-- CROSS JOIN UNNEST into a view that a TUMBLE window aggregates (payments arrive out of order, within the watermark delay).

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

CREATE VIEW payment_items AS
SELECT p.payment_id, p.card.card_id AS card_id, i.category, i.qty * i.price AS amount, p.paid_at
FROM card_payments AS p CROSS JOIN UNNEST(p.items) AS i(sku, category, qty, price);

CREATE TABLE category_windows (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), category STRING, items BIGINT, cards BIGINT, amount DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO category_windows
SELECT window_start, window_end, category, COUNT(*), COUNT(DISTINCT card_id), SUM(amount)
FROM TABLE(TUMBLE(TABLE payment_items, DESCRIPTOR(paid_at), INTERVAL '10' MINUTE))
GROUP BY window_start, window_end, category;
