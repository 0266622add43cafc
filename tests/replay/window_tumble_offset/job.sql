-- TUMBLE with an offset: windows start at :07, :22, ...

CREATE TABLE results (
  window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_start, window_end, COUNT(*)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '15' MINUTES, INTERVAL '7' MINUTES))
GROUP BY window_start, window_end;
