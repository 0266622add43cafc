-- Computed event time: sources whose rowtime is computed from epoch milliseconds (TO_TIMESTAMP_LTZ) or
-- from text (TO_TIMESTAMP), as in many public Flink examples. Inputs are in event-time order, so no row
-- is late. Shared by the cases of this group.

-- Page views of a web shop, timestamped in epoch milliseconds.
CREATE TABLE page_views (
  user_id     STRING,
  page        STRING,
  duration_ms INT,
  view_ms     BIGINT,
  rowtime AS TO_TIMESTAMP_LTZ(view_ms, 3),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/page_views.jsonl', 'format' = 'json');

-- Purchases, timestamped in epoch milliseconds.
CREATE TABLE purchases (
  purchase_id BIGINT,
  user_id     STRING,
  currency    STRING,
  amount      DOUBLE,
  purchase_ms BIGINT,
  rowtime AS TO_TIMESTAMP_LTZ(purchase_ms, 3),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/purchases.jsonl', 'format' = 'json');

-- A versioned table of exchange rates, updated at epoch-millisecond times.
CREATE TABLE fx_rates (
  currency   STRING,
  rate       DOUBLE,
  updated_ms BIGINT,
  rowtime AS TO_TIMESTAMP_LTZ(updated_ms, 3),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND,
  PRIMARY KEY (currency) NOT ENFORCED
) WITH ('connector' = 'filesystem', 'path' = 'inputs/fx_rates.jsonl', 'format' = 'json');

-- Sensor readings with text timestamps ('yyyy-MM-dd HH:mm:ss').
CREATE TABLE readings (
  sensor_id   STRING,
  temperature DOUBLE,
  read_at     STRING,
  rowtime AS TO_TIMESTAMP(read_at),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/readings.jsonl', 'format' = 'json');

-- A versioned table of alert thresholds per sensor, changed at text times.
CREATE TABLE thresholds (
  sensor_id  STRING,
  max_temp   DOUBLE,
  changed_at STRING,
  rowtime AS TO_TIMESTAMP(changed_at),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND,
  PRIMARY KEY (sensor_id) NOT ENFORCED
) WITH ('connector' = 'filesystem', 'path' = 'inputs/thresholds.jsonl', 'format' = 'json');

-- Deliveries with day-first text timestamps, parsed with a format.
CREATE TABLE deliveries (
  order_id     BIGINT,
  courier      STRING,
  delivered_at STRING,
  rowtime AS TO_TIMESTAMP(delivered_at, 'dd/MM/yyyy HH:mm:ss'),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/deliveries.jsonl', 'format' = 'json');

-- Card taps at transit gates, timestamped in epoch seconds.
CREATE TABLE taps (
  gate   STRING,
  card   STRING,
  tap_s  BIGINT,
  rowtime AS TO_TIMESTAMP_LTZ(tap_s, 0),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'inputs/taps.jsonl', 'format' = 'json');
