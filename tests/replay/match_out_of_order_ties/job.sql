-- Rows out of file order (but less late than the watermark's 5 seconds) and rows at the same time: Flink's
-- CEP sorts each card's rows by time, then by the further ORDER BY key, then keeps arrival (file) order.
CREATE TABLE by_time (card STRING, ids STRING) WITH ('connector' = 'blackhole');
CREATE TABLE by_time_country (card STRING, ids STRING) WITH ('connector' = 'blackhole');

INSERT INTO by_time SELECT card, CAST(a AS STRING) || ',' || CAST(b AS STRING) || ',' || CAST(c AS STRING)
FROM transactions MATCH_RECOGNIZE (
  PARTITION BY card ORDER BY ts
  MEASURES A.tx_id AS a, B.tx_id AS b, C.tx_id AS c
  PATTERN (A B C)
  DEFINE A AS A.country <> 'NL');

INSERT INTO by_time_country SELECT card, CAST(a AS STRING) || ',' || CAST(b AS STRING) || ',' || CAST(c AS STRING)
FROM transactions MATCH_RECOGNIZE (
  PARTITION BY card ORDER BY ts, country DESC
  MEASURES A.tx_id AS a, B.tx_id AS b, C.tx_id AS c
  PATTERN (A B C)
  DEFINE A AS A.country <> 'NL');
