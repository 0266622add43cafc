-- CUMULATE windows over a rowtime from epoch seconds (TO_TIMESTAMP_LTZ(tap_s, 0)): taps per gate.

CREATE TABLE results (
  gate STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), taps BIGINT, cards BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT gate, window_start, window_end, COUNT(*), COUNT(DISTINCT card)
FROM TABLE(CUMULATE(TABLE taps, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '20' MINUTES))
GROUP BY gate, window_start, window_end;
