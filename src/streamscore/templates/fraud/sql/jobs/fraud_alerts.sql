-- Card fraud signals from payments and the card reference data.
-- Replay it on files: `streamscore replay sql/jobs/fraud_alerts.sql`; stream it from Kafka:
--   streamscore produce card_updates --from data/card_updates.jsonl
--   streamscore produce payments --from data/payments.jsonl
--   streamscore run sql/jobs/fraud_alerts.sql --bounded && streamscore verify sql/jobs/fraud_alerts.sql --kafka

-- Each card as it is now: the latest update per card. Flink reads this as a versioned table, so a join
-- FOR SYSTEM_TIME AS OF finds the card as it was at each payment.
CREATE TEMPORARY VIEW cards AS
SELECT card_id, home_country, credit_limit, updated_at
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY card_id ORDER BY updated_at DESC) AS version
  FROM card_updates
)
WHERE version = 1;

-- Every payment with its card at payment time (event time carries through the temporal join).
CREATE TEMPORARY VIEW card_payments AS
SELECT p.payment_id, p.card_id, p.merchant, p.country, p.amount, p.line_items, p.paid_at,
       c.home_country, c.credit_limit, p.country <> c.home_country AS abroad
FROM payments AS p
JOIN cards FOR SYSTEM_TIME AS OF p.paid_at AS c
  ON p.card_id = c.card_id;

-- Three payments in a row abroad, each in another country, within 10 minutes.
INSERT INTO card_alerts
SELECT card_id, home_country, first_payment, last_payment, countries, total, first_at, alert_at
FROM card_payments
  MATCH_RECOGNIZE (
    PARTITION BY card_id
    ORDER BY paid_at
    MEASURES
      A.home_country AS home_country,
      A.payment_id AS first_payment,
      C.payment_id AS last_payment,
      A.country || ',' || B.country || ',' || C.country AS countries,
      A.amount + B.amount + C.amount AS total,
      A.paid_at AS first_at,
      MATCH_ROWTIME() AS alert_at
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C) WITHIN INTERVAL '10' MINUTE
    DEFINE
      A AS A.abroad,
      B AS B.abroad AND B.country <> A.country,
      C AS C.abroad AND C.country <> A.country AND C.country <> B.country
  );

-- The baskets' gift cards (a common way to cash out a stolen card), per card and 10 minutes.
CREATE TEMPORARY VIEW gift_card_items AS
SELECT p.card_id, p.credit_limit, item.quantity, item.quantity * item.unit_price AS spend, p.paid_at
FROM card_payments AS p
  CROSS JOIN UNNEST(p.line_items) AS item (sku, category, quantity, unit_price)
WHERE item.category = 'gift_card';

INSERT INTO gift_card_spend
SELECT card_id, window_start, CAST(SUM(quantity) AS INT), SUM(spend), MAX(credit_limit)
FROM TABLE(TUMBLE(TABLE gift_card_items, DESCRIPTOR(paid_at), INTERVAL '10' MINUTE))
GROUP BY card_id, window_start, window_end
HAVING SUM(spend) > MAX(credit_limit) / 5;
