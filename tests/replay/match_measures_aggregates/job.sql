-- After Flink's documentation example of aggregates: up to five rows while the average price of A's rows
-- stays below 15 (A{1,5} greedy, so B is a row that would lift it), then MEASURES with aggregates, offsets,
-- arithmetic and MATCH_ROWTIME(). (With A+, a run that never ends would hold back every later match.)
CREATE TABLE cheap_runs (
  symbol STRING, start_ts TIMESTAMP(3), end_ts TIMESTAMP(3), avg_price DECIMAL(38, 6), total DECIMAL(38, 2),
  n BIGINT, lo DECIMAL(10, 2), hi DECIMAL(10, 2), second_price DECIMAL(10, 2), change DECIMAL(11, 2),
  taxes INT, avg_tax INT, last_any DECIMAL(10, 2), matched_at TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO cheap_runs
SELECT * FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY ts
    MEASURES
      FIRST(A.ts) AS start_ts,
      LAST(A.ts) AS end_ts,
      AVG(A.price) AS avg_price,
      SUM(A.price) AS total,
      COUNT(*) AS n,
      MIN(A.price) AS lo,
      MAX(A.price) AS hi,
      FIRST(A.price, 1) AS second_price,
      LAST(A.price) - FIRST(A.price) AS change,
      SUM(A.tax) AS taxes,
      AVG(A.tax) AS avg_tax,
      LAST(price) AS last_any,
      MATCH_ROWTIME() AS matched_at
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A{1,5} B)
    DEFINE A AS AVG(A.price) < 15
  );
