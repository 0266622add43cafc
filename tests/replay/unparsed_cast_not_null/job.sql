-- A CAST to a NOT NULL type: Flink runs it; the replay's parser cannot read it, so Flink gets the statement
-- as written and only a DuckDB replay refuses (with its place).
CREATE TABLE priced (order_id BIGINT, price DECIMAL(10, 2)) WITH ('connector' = 'blackhole');
INSERT INTO priced SELECT order_id, CAST(price AS DECIMAL(10, 2) NOT NULL) FROM orders WHERE price IS NOT NULL;
