-- Window join of the windowed rows themselves (CUMULATE): each purchase with the pages its user viewed in
-- the same window.

CREATE TABLE results (
  purchase_id BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), page STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT p.purchase_id, p.window_start, p.window_end, v.page
FROM (SELECT * FROM TABLE(CUMULATE(TABLE purchases, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))) AS p
JOIN (SELECT * FROM TABLE(CUMULATE(TABLE page_views, DESCRIPTOR(rowtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))) AS v
ON p.user_id = v.user_id AND p.window_start = v.window_start AND p.window_end = v.window_end;
