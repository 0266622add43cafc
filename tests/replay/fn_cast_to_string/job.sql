-- CAST to STRING of doubles, integers, booleans, dates, timestamps and decimals.

CREATE TABLE results (
  id INT, n_s STRING, i_s STRING, b_s STRING, d_s STRING, t_s STRING, dec_s STRING
) WITH ('connector' = 'blackhole');

INSERT INTO results
SELECT id, CAST(n AS STRING), CAST(i AS STRING), CAST(b AS STRING), CAST(d AS STRING), CAST(t AS STRING), CAST(amt AS STRING)
FROM samples;
