-- A match reported only once no partial match that started earlier still runs: on each card, A=100 keeps
-- taking rows as B while A=10 B=5 C=50 completes. Card p: the earlier partial match dies at the NULL row and
-- the held match is reported then: its MATCH_ROWTIME() is the NULL row's time, not its last row's. Cards q
-- and w: the partial match still runs at the end of input, and the held match is never reported.
CREATE TABLE held (card STRING, a BIGINT, c BIGINT, c_ts TIMESTAMP(3), matched_at TIMESTAMP(3))
WITH ('connector' = 'blackhole');
INSERT INTO held SELECT * FROM transactions MATCH_RECOGNIZE (
  PARTITION BY card ORDER BY ts
  MEASURES A.tx_id AS a, C.tx_id AS c, C.ts AS c_ts, MATCH_ROWTIME() AS matched_at
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A B+ C)
  DEFINE B AS B.amount <= A.amount, C AS C.amount > A.amount);
