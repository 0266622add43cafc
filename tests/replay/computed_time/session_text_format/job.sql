-- SESSION windows per courier over a rowtime parsed from day-first text with a format.

CREATE TABLE results (
  courier STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), deliveries BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT courier, window_start, window_end, COUNT(*)
FROM TABLE(SESSION(TABLE deliveries PARTITION BY courier, DESCRIPTOR(rowtime), INTERVAL '10' MINUTES))
GROUP BY courier, window_start, window_end;
