-- Rows that tie on their ordering keys (same key and time, same value): Flink breaks such ties by arrival
-- order, which for a replay is file order. Shared by the cases of this group.

CREATE TABLE readings (
  id     BIGINT,
  sensor STRING,
  val    INT,
  ts     TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/readings.jsonl', 'format' = 'json');

-- Two versions of one key at the same time: the first one in the file is the version Flink joins.
CREATE TABLE limits (
  sensor STRING,
  maxVal INT,
  ts     TIMESTAMP(3),
  PRIMARY KEY (sensor) NOT ENFORCED,
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'filesystem', 'path' = 'inputs/limits.jsonl', 'format' = 'json');
