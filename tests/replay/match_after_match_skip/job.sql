-- One pattern, each AFTER MATCH SKIP: where the next match may start (past the match, its second row, B's first
-- or last row) decides which overlapping matches are reported.
CREATE TABLE past_last_row (symbol STRING, start_ts TIMESTAMP(3), first_b TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE to_next_row (symbol STRING, start_ts TIMESTAMP(3), first_b TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE to_first_b (symbol STRING, start_ts TIMESTAMP(3), first_b TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE to_last_b (symbol STRING, start_ts TIMESTAMP(3), first_b TIMESTAMP(3), end_ts TIMESTAMP(3), bs BIGINT) WITH ('connector' = 'blackhole');

INSERT INTO past_last_row SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, FIRST(B.ts) AS first_b, C.ts AS end_ts, COUNT(B.ts) AS bs
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A B+ C)
  DEFINE B AS B.price >= A.price - 4, C AS C.price < A.price - 4);

INSERT INTO to_next_row SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, FIRST(B.ts) AS first_b, C.ts AS end_ts, COUNT(B.ts) AS bs
  AFTER MATCH SKIP TO NEXT ROW
  PATTERN (A B+ C)
  DEFINE B AS B.price >= A.price - 4, C AS C.price < A.price - 4);

INSERT INTO to_first_b SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, FIRST(B.ts) AS first_b, C.ts AS end_ts, COUNT(B.ts) AS bs
  AFTER MATCH SKIP TO FIRST B
  PATTERN (A B+ C)
  DEFINE B AS B.price >= A.price - 4, C AS C.price < A.price - 4);

INSERT INTO to_last_b SELECT * FROM ticks MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY ts
  MEASURES A.ts AS start_ts, FIRST(B.ts) AS first_b, C.ts AS end_ts, COUNT(B.ts) AS bs
  AFTER MATCH SKIP TO LAST B
  PATTERN (A B+ C)
  DEFINE B AS B.price >= A.price - 4, C AS C.price < A.price - 4);
