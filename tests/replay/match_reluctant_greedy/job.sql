-- Greedy and reluctant quantifiers where the loop's and the next variable's conditions overlap: greedy B+
-- keeps taking rows C would take (Flink's NFA does not backtrack), reluctant B+? stops at the first C; a range
-- B{1,3} likewise; a reluctant last variable ends the match as soon as it may.
CREATE TABLE greedy (symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE reluctant (symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE greedy_range (symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE reluctant_range (symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE reluctant_last (symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');

INSERT INTO greedy SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, C.ts AS end_ts, COUNT(B.ts) AS bs
  PATTERN (A B+ C)
  DEFINE A AS A.tax = 1, B AS B.price > 15, C AS C.price > 18);

INSERT INTO reluctant SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, C.ts AS end_ts, COUNT(B.ts) AS bs
  PATTERN (A B+? C)
  DEFINE A AS A.tax = 1, B AS B.price > 15, C AS C.price > 18);

INSERT INTO greedy_range SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, C.ts AS end_ts, COUNT(B.ts) AS bs
  AFTER MATCH SKIP TO NEXT ROW
  PATTERN (A B{1,3} C)
  DEFINE A AS A.tax = 1, B AS B.price > 15, C AS C.price > 18);

INSERT INTO reluctant_range SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, C.ts AS end_ts, COUNT(B.ts) AS bs
  AFTER MATCH SKIP TO NEXT ROW
  PATTERN (A B{1,3}? C)
  DEFINE A AS A.tax = 1, B AS B.price > 15, C AS C.price > 18);

INSERT INTO reluctant_last SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, LAST(B.ts) AS end_ts, COUNT(B.ts) AS bs
  PATTERN (A B{2,}?)
  DEFINE A AS A.tax = 2, B AS B.price > A.price);
