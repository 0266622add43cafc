-- A change log with event time (products updated at `updated_at`) in a window: the replay applies the
-- changes and queries the table as it ends, so it refuses event time over a changelog rather than differ.
CREATE TABLE product_updates (
  id INT, name STRING, weight DOUBLE, updated_at TIMESTAMP(3),
  PRIMARY KEY (id) NOT ENFORCED,
  WATERMARK FOR updated_at AS updated_at - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'products', 'format' = 'debezium-json');

CREATE TABLE hourly_weight (window_start TIMESTAMP(3), products BIGINT, weight DOUBLE)
WITH ('connector' = 'blackhole');

INSERT INTO hourly_weight
SELECT window_start, COUNT(*), SUM(weight)
FROM TABLE(TUMBLE(TABLE product_updates, DESCRIPTOR(updated_at), INTERVAL '1' HOUR))
GROUP BY window_start, window_end;
