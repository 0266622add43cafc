-- HOP windows with FILTER clauses on aggregates (AVG of a BIGINT inside FILTER keeps Flink's type).

CREATE TABLE results (
  windowEnd TIMESTAMP(3), webBids BIGINT, webAvgPrice BIGINT, appMaxPrice BIGINT, allBids BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT window_end,
  COUNT(*) FILTER (WHERE channelName = 'Web'),
  AVG(bidPrice) FILTER (WHERE channelName = 'Web'),
  MAX(bidPrice) FILTER (WHERE channelName = 'app'),
  COUNT(*)
FROM TABLE(HOP(TABLE bids, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND, INTERVAL '30' SECOND))
GROUP BY window_start, window_end;
