-- METADATA columns (Kafka partition and offset): a replay reads them from the input file's fields.

CREATE TABLE kafka_orders (
  order_id  BIGINT,
  amount    DOUBLE,
  ts        TIMESTAMP(3),
  part      INT METADATA FROM 'partition' VIRTUAL,
  `offset`  BIGINT METADATA VIRTUAL,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');

CREATE TABLE results (
  part INT, first_offset BIGINT, last_offset BIGINT, total DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT part, MIN(`offset`), MAX(`offset`), SUM(amount) FROM kafka_orders GROUP BY part;
