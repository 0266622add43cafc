-- A window TVF's rows selected directly (SELECT * FROM TABLE(TUMBLE(...)) in a view): every purchase with
-- its 10-minute window. A sink takes one rowtime attribute, so the insert leaves window_time out.

CREATE TABLE results (
  purchase_id BIGINT, user_id STRING, currency STRING, amount DOUBLE, purchase_ms BIGINT, rowtime TIMESTAMP_LTZ(3),
  window_start TIMESTAMP(3), window_end TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

CREATE TEMPORARY VIEW windowed AS
SELECT * FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(rowtime), INTERVAL '10' MINUTES));

INSERT INTO results
SELECT purchase_id, user_id, currency, amount, purchase_ms, rowtime, window_start, window_end FROM windowed;
