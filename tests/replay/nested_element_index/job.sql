-- Element access at an index read from the data (NULL below 1, past the end and for a NULL index, as in
-- Flink; DuckDB alone would count a negative index from the end), ELEMENT of single-element arrays, map access.

CREATE TABLE device_samples (
  device   STRING,
  samples  ARRAY<DOUBLE>,
  peak_at  INT,
  firmware ARRAY<STRING>,
  limits   MAP<STRING, INT>
) WITH ('connector' = 'kafka', 'topic' = 'device-samples', 'format' = 'json');

CREATE TABLE device_peaks (
  device STRING, peak DOUBLE, next_sample DOUBLE, last_sample DOUBLE, firmware STRING, max_limit INT,
  min_limit INT, limit_count INT
) WITH ('connector' = 'blackhole');

INSERT INTO device_peaks
SELECT device, samples[peak_at], samples[peak_at + 1], samples[CARDINALITY(samples)], ELEMENT(firmware),
       limits['max'], limits['min'], CARDINALITY(limits)
FROM device_samples;
