"""Flink -> DuckDB translation: input/expected pairs, executed semantics, and located refusals."""

import duckdb
import pytest
import sqlglot

from streamscore.errors import TranslationError
from streamscore.sql.dialect import Flink
from streamscore.sql.statements import Statement, parse_job
from streamscore.sql.translate import Translator

TABLES = """
CREATE TABLE orders (id BIGINT, cur STRING, amount DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'kafka');
CREATE TABLE rates (cur STRING, rate DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts, PRIMARY KEY (cur) NOT ENFORCED) WITH ('connector' = 'kafka');
CREATE TABLE rate_log (cur STRING, rate DOUBLE, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka');
CREATE TEMPORARY VIEW latest_rates AS
SELECT cur, rate, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY cur ORDER BY ts DESC) AS rownum FROM rate_log)
WHERE rownum = 1;
CREATE TEMPORARY VIEW all_rates AS SELECT * FROM rate_log;
"""

PAIRS = [
    ("SELECT DAYOFWEEK(ts) FROM orders", "SELECT (DAYOFWEEK(ts) + 1) FROM orders"),
    ("SELECT CAST(ts AS TIMESTAMP(3)), CAST(cur AS STRING) FROM orders",
     "SELECT CAST(ts AS TIMESTAMP), CAST(cur AS TEXT) FROM orders"),
    ("SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
     "SELECT o.id, r.rate FROM orders AS o ASOF JOIN (SELECT * FROM rates) AS r "
     "ON o.cur = r.cur AND o.ts >= r.ts"),
    ("SELECT o.id, r.rate FROM orders AS o LEFT JOIN latest_rates FOR SYSTEM_TIME AS OF o.ts AS r "
     "ON o.cur = r.cur",
     "SELECT o.id, r.rate FROM orders AS o ASOF LEFT JOIN (SELECT cur, rate, ts FROM (SELECT *, ROW_NUMBER() "
     "OVER (PARTITION BY cur ORDER BY ts DESC) AS rownum FROM rate_log)) AS r ON o.cur = r.cur AND o.ts >= r.ts"),
    ("SELECT cur, window_start, SUM(amount) FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' HOUR)) "
     "GROUP BY cur, window_start, window_end",
     "SELECT cur, window_start, SUM(amount) FROM (SELECT *, window_start + INTERVAL '1' HOUR AS window_end, "
     "window_start + INTERVAL '1' HOUR - INTERVAL '1' MILLISECOND AS window_time FROM (SELECT *, "
     "TIME_BUCKET(INTERVAL '1' HOUR, ts, CAST('1970-01-01 00:00:00' AS TIMESTAMP)) AS window_start FROM orders) "
     "AS w) AS orders GROUP BY cur, window_start, window_end"),
]


@pytest.fixture
def job(tmp_path):
    path = tmp_path / "job.sql"
    path.write_text(TABLES)
    return parse_job(path)


def translate(job, sql):
    tree = sqlglot.parse_one(sql, read=Flink)
    return Translator(job).query(tree, Statement(job.path, 10, 1, sql, tree)).sql("duckdb")


@pytest.mark.parametrize("flink, duck", PAIRS)
def test_pairs(job, flink, duck):
    assert translate(job, flink) == duck


def test_translation_does_not_change_its_input(job):
    tree = sqlglot.parse_one("SELECT DAYOFWEEK(ts) FROM orders", read=Flink)
    before = tree.sql(Flink)
    Translator(job).query(tree, Statement(job.path, 1, 1, before, tree))
    assert tree.sql(Flink) == before


def test_dayofweek_means_sunday_is_one(job):
    # 2013-11-03 was a Sunday, 2013-11-09 a Saturday: Flink's DAYOFWEEK gives 1 and 7.
    sql = translate(job, "SELECT DAYOFWEEK(TIMESTAMP '2013-11-03 10:00:00'), DAYOFWEEK(TIMESTAMP '2013-11-09 10:00:00')")
    assert duckdb.sql(sql).fetchall() == [(1, 7)]


def test_tumble_windows_align_to_the_epoch(job):
    sql = translate(job, "SELECT window_start, window_end, window_time FROM TABLE(TUMBLE(TABLE orders, "
                         "DESCRIPTOR(ts), INTERVAL '15' MINUTE))")
    con = duckdb.connect()
    con.execute("CREATE TABLE orders AS SELECT TIMESTAMP '2013-11-03 10:44:59.999' AS ts")
    start, end, window_time = con.execute(sql).fetchone()
    assert (str(start), str(end), str(window_time)) == (
        "2013-11-03 10:30:00", "2013-11-03 10:45:00", "2013-11-03 10:44:59.999000")


REFUSED = [
    ("SELECT id, PROCTIME() FROM orders", "processing time", 1, 12),
    ("SELECT *\nFROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))",
     "HOP cannot be replayed", 2, None),
    ("SELECT o.id FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur AND o.amount > r.rate",
     "only key equalities", 1, None),
    ("SELECT o.id FROM orders AS o JOIN all_rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
     "not a versioned view", 1, None),
    ("SELECT o.id FROM orders AS o JOIN rate_log FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
     "not a versioned table", 1, None),
]


@pytest.mark.parametrize("sql, message, line, column", REFUSED)
def test_untranslatable_sql_is_refused_with_its_place(job, sql, message, line, column):
    with pytest.raises(TranslationError, match=message) as error:
        translate(job, sql)
    assert error.value.path == job.path
    assert error.value.line == 10 + line - 1
    if column is not None:
        assert error.value.column == column
