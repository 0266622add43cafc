-- Tracking parameters and cookies as maps (STR_TO_MAP): default and given delimiters, a repeated key (the
-- last wins), pairs without a value, empty and trailing pairs, empty and NULL text.

CREATE TABLE page_hits (hit_id BIGINT, query STRING, cookie STRING)
WITH ('connector' = 'kafka', 'topic' = 'page-hits', 'format' = 'json');

CREATE TABLE hit_params (
  hit_id BIGINT, source STRING, medium STRING, ref_is_null BOOLEAN, ref_is_empty BOOLEAN, empty_key STRING,
  a STRING, params INT, session STRING, cookies INT
) WITH ('connector' = 'blackhole');

INSERT INTO hit_params
SELECT hit_id, STR_TO_MAP(query)['utm_source'], STR_TO_MAP(query)['utm_medium'], STR_TO_MAP(query)['ref'] IS NULL,
       STR_TO_MAP(query)['ref'] = '', STR_TO_MAP(query)[''], STR_TO_MAP(query)['a'],
       CARDINALITY(STR_TO_MAP(query)), STR_TO_MAP(cookie, ';', ':')['sid'], CARDINALITY(STR_TO_MAP(cookie, ';', ':'))
FROM page_hits;
