-- LISTAGG per HOP window: Flink aggregates a HOP window by slices and merges them newest first (ids 1 to 5
-- arriving in order in two slices can list as '4,5,2,1'), an order the replay does not follow: refused. The
-- event-time fuzzer found it (tests/streamfuzz.py).
CREATE TABLE hop_orders (customer STRING, window_start TIMESTAMP(3), orders STRING)
WITH ('connector' = 'blackhole');

INSERT INTO hop_orders
SELECT customer, window_start, LISTAGG(CAST(order_id AS STRING))
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '30' SECOND, INTERVAL '1' MINUTE))
GROUP BY customer, window_start, window_end;
