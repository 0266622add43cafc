-- SESSION windows partitioned by a camelCase key.

CREATE TABLE results (
  bidderId BIGINT, sessionStart TIMESTAMP(3), sessionEnd TIMESTAMP(3), bidCount BIGINT, avgPrice BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT bidderId, window_start, window_end, COUNT(*), AVG(bidPrice)
FROM TABLE(SESSION(TABLE bids PARTITION BY bidderId, DESCRIPTOR(`dateTime`), INTERVAL '6' SECOND))
GROUP BY bidderId, window_start, window_end;
