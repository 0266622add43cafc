-- Window Top-N over a rowtime from epoch seconds: the two busiest cards per gate and 10 minutes.

CREATE TABLE results (
  window_start TIMESTAMP(3), gate STRING, card STRING, taps BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, gate, card, taps FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, gate ORDER BY taps DESC, card) AS rn
  FROM (
    SELECT window_start, window_end, gate, card, COUNT(*) AS taps
    FROM TABLE(TUMBLE(TABLE taps, DESCRIPTOR(rowtime), INTERVAL '10' MINUTES))
    GROUP BY window_start, window_end, gate, card
  )
) WHERE rn <= 2;
