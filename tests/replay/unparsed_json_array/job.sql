-- JSON_ARRAY(... ABSENT ON NULL): Flink runs it; the replay's parser cannot read it, so Flink gets the
-- statement as written and only a DuckDB replay refuses (with its place).
CREATE TABLE tagged (order_id BIGINT, tags STRING) WITH ('connector' = 'blackhole');
INSERT INTO tagged SELECT order_id, JSON_ARRAY(customer, status ABSENT ON NULL) FROM orders;
