-- Device batches whose arrays hold NULL elements: Flink's UNNEST gives no row for a NULL ROW element but a
-- NULL row for a NULL single value (ordinals count it); LEFT JOIN UNNEST ... ON TRUE keeps batches with none.

CREATE TABLE sensor_batches (
  batch_id STRING,
  device   STRING,
  readings ARRAY<ROW<metric STRING, `value` DOUBLE>>,
  labels   ARRAY<STRING>
) WITH ('connector' = 'kafka', 'topic' = 'sensor-batches', 'format' = 'json');

CREATE TABLE batch_readings (batch_id STRING, metric STRING, reading DOUBLE) WITH ('connector' = 'blackhole');
CREATE TABLE batch_labels (batch_id STRING, label STRING, pos INT) WITH ('connector' = 'blackhole');
CREATE TABLE readings_per_device (device STRING, readings BIGINT, metrics BIGINT) WITH ('connector' = 'blackhole');

INSERT INTO batch_readings
SELECT b.batch_id, r.metric, r.`value` FROM sensor_batches AS b LEFT JOIN UNNEST(b.readings) AS r(metric, `value`) ON TRUE;

INSERT INTO batch_labels
SELECT batch_id, label, pos FROM sensor_batches CROSS JOIN UNNEST(labels) WITH ORDINALITY AS l(label, pos);

INSERT INTO readings_per_device
SELECT device, COUNT(*), COUNT(metric) FROM sensor_batches CROSS JOIN UNNEST(readings) AS r(metric, v)
GROUP BY device;
