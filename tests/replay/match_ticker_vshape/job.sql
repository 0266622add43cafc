-- Flink's documentation example, in short: per symbol, a start row, falling prices, then a rise. A falling
-- price is below the previous falling one (or, for the first, below the start row's); LAST(v.col, 1) is the
-- variable's row before the current one. The next match starts at the rise (SKIP TO LAST).
CREATE TABLE vshapes (
  symbol STRING, start_ts TIMESTAMP(3), bottom_ts TIMESTAMP(3), end_ts TIMESTAMP(3), start_price DECIMAL(10, 2),
  bottom_price DECIMAL(10, 2), end_price DECIMAL(10, 2), drops BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO vshapes
SELECT * FROM ticks
  MATCH_RECOGNIZE (
    PARTITION BY symbol
    ORDER BY ts
    MEASURES
      START_ROW.ts AS start_ts,
      LAST(PRICE_DOWN.ts) AS bottom_ts,
      LAST(PRICE_UP.ts) AS end_ts,
      START_ROW.price AS start_price,
      LAST(PRICE_DOWN.price) AS bottom_price,
      PRICE_UP.price AS end_price,
      COUNT(PRICE_DOWN.price) AS drops
    ONE ROW PER MATCH
    AFTER MATCH SKIP TO LAST PRICE_UP
    PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
    DEFINE
      PRICE_DOWN AS
        (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR
          PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),
      PRICE_UP AS PRICE_UP.price > LAST(PRICE_DOWN.price, 1)
  );
