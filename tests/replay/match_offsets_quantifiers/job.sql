-- A V shape with logical offsets (Flink has no physical PREV): falling rows, each below the variable's row
-- before it (LAST(B.price, 1)) or, for the first, below A; then a rise above the last fall. The same with
-- exactly two falls (B{2}), and offsets from the start of the match (FIRST(price, 1): its second row).
CREATE TABLE vs (symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), drops BIGINT, low DECIMAL(10, 2))
WITH ('connector' = 'blackhole');
CREATE TABLE two_drops (symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), low DECIMAL(10, 2))
WITH ('connector' = 'blackhole');
CREATE TABLE above_second (symbol STRING, a_ts TIMESTAMP(3), b_ts TIMESTAMP(3), c_price DECIMAL(10, 2))
WITH ('connector' = 'blackhole');

INSERT INTO vs
SELECT * FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol ORDER BY ts
    MEASURES A.ts AS start_ts, C.ts AS end_ts, COUNT(B.price) AS drops, MIN(B.price) AS low
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B+ C)
    DEFINE
      B AS (LAST(B.price, 1) IS NULL AND B.price < A.price) OR B.price < LAST(B.price, 1),
      C AS C.price > LAST(B.price)
  );

INSERT INTO two_drops
SELECT * FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol ORDER BY ts
    MEASURES A.ts AS start_ts, C.ts AS end_ts, LAST(B.price) AS low
    AFTER MATCH SKIP TO NEXT ROW
    PATTERN (A B{2} C)
    DEFINE B AS B.price < LAST(price, 1), C AS C.price > LAST(price, 1)
  );

INSERT INTO above_second
SELECT * FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol ORDER BY ts
    MEASURES A.ts AS a_ts, B.ts AS b_ts, C.price AS c_price
    AFTER MATCH SKIP TO NEXT ROW
    PATTERN (A B C)
    DEFINE C AS C.price > FIRST(price, 1) AND LAST(price, 2) < LAST(price)
  );
