-- Six cards' payments interleaved in time: each card is matched on its own rows (rising amounts, the
-- second in another country), and a match over all cards together (no PARTITION BY).
CREATE TABLE per_card (card STRING, a BIGINT, b BIGINT, c BIGINT, rise DOUBLE) WITH ('connector' = 'blackhole');
CREATE TABLE all_cards (a BIGINT, c BIGINT, cards STRING) WITH ('connector' = 'blackhole');

INSERT INTO per_card SELECT * FROM transactions MATCH_RECOGNIZE (
  PARTITION BY card ORDER BY ts
  MEASURES A.tx_id AS a, B.tx_id AS b, C.tx_id AS c, C.amount - A.amount AS rise
  PATTERN (A B C)
  DEFINE B AS B.amount > A.amount AND B.country <> A.country, C AS C.amount > B.amount);

INSERT INTO all_cards SELECT * FROM transactions MATCH_RECOGNIZE (
  ORDER BY ts
  MEASURES A.tx_id AS a, C.tx_id AS c, A.card || B.card || C.card AS cards
  PATTERN (A B C)
  DEFINE B AS B.card = A.card, C AS C.card = A.card);
