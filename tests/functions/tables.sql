-- The one row every expression of this corpus may read (inputs/t.jsonl). Column values are chosen for
-- their edge cases: empty and NULL strings, non-ASCII text, negative and zero numbers, leap days,
-- sub-millisecond times, JSON and URL text.

CREATE TABLE t (
  s    STRING,
  e    STRING,
  sn   STRING,
  u    STRING,
  pad  STRING,
  i    INT,
  ineg INT,
  iz   INT,
  inul INT,
  b    BIGINT,
  ti   TINYINT,
  si   SMALLINT,
  d    DOUBLE,
  dneg DOUBLE,
  dnul DOUBLE,
  f    FLOAT,
  m2  DECIMAL(10, 2),
  m2n DECIMAL(10, 2),
  m18 DECIMAL(38, 18),
  bo   BOOLEAN,
  bnul BOOLEAN,
  dt   DATE,
  ts   TIMESTAMP(3),
  ts6  TIMESTAMP(6),
  ts0  TIMESTAMP(0),
  j    STRING,
  url  STRING,
  csv  STRING
) WITH ('connector' = 'filesystem', 'path' = 'inputs/t.jsonl', 'format' = 'json');
