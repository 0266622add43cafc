-- Window top-N and deduplication over HOP and CUMULATE windows, rows tied on the value or the time: Flink's
-- window table function hands each window its rows in arrival order, and its top-N keeps equal sort keys
-- so; file order is arrival order for the replay.
CREATE TABLE top_two_hop (sensor STRING, window_start TIMESTAMP(3), id BIGINT, rn BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO top_two_hop
SELECT sensor, window_start, id, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor, window_start, window_end ORDER BY val DESC) AS rn
  FROM TABLE(HOP(TABLE readings, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '4' SECOND))
) WHERE rn <= 2;

CREATE TABLE last_cumulative (sensor STRING, window_end TIMESTAMP(3), id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO last_cumulative
SELECT sensor, window_end, id FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, sensor ORDER BY ts DESC) AS rn
  FROM TABLE(CUMULATE(TABLE readings, DESCRIPTOR(ts), INTERVAL '3' SECOND, INTERVAL '9' SECOND))
) WHERE rn = 1;
