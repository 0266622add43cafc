"""Flink -> DuckDB translation: input/expected pairs, executed semantics, and located refusals."""

import duckdb
import pytest
import sqlglot

from streamscore.errors import TranslationError
from streamscore.sql.dialect import Flink
from streamscore.sql.statements import Statement, parse_job
from streamscore.sql.translate import Translator, filter_before_window

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
CREATE TABLE clicks (uid STRING, dur INT, ms BIGINT, rowtime AS TO_TIMESTAMP_LTZ(ms, 3),
  WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND) WITH ('connector' = 'kafka');
"""

PAIRS = [
    # DAYOFWEEK: Flink counts Sunday as 1, DuckDB as 0 (integer + wraps around on overflow, as in Java).
    ("SELECT DAYOFWEEK(ts) FROM orders",
     "SELECT (CAST(CAST((((CAST(DAYOFWEEK(orders.ts) AS INT128) + CAST(1 AS INT128)) + 9223372036854775808) "
     "% 18446744073709551616 + 18446744073709551616) % 18446744073709551616 - 9223372036854775808 AS BIGINT) "
     "AS BIGINT)) AS _col_0 FROM orders AS orders"),
    ("SELECT CAST(ts AS TIMESTAMP(3)), CAST(cur AS STRING) FROM orders",
     "SELECT CAST(orders.ts AS TIMESTAMP) AS ts, CAST(orders.cur AS TEXT) AS cur FROM orders AS orders"),
    # Integer division and AVG of integers stay integers, as in Flink.
    ("SELECT id / 2, AVG(id) FROM orders GROUP BY id",
     "SELECT orders.id // 2 AS _col_0, CAST(TRUNC(AVG(orders.id)) AS BIGINT) AS _col_1 FROM orders AS orders "
     "GROUP BY orders.id"),
    ("SELECT CAST(amount AS INT), CONCAT(cur, '-') FROM orders",
     "SELECT CAST(CASE WHEN ISNAN(orders.amount) THEN 0 WHEN orders.amount >= 2147483648.0 THEN 2147483647 WHEN "
     "orders.amount <= -2147483648.0 THEN -2147483648 ELSE CAST(TRUNC(orders.amount) AS BIGINT) END AS INT) AS amount, "
     "(CAST(orders.cur AS TEXT) || CAST('-' AS TEXT)) AS _col_1 FROM orders AS orders"),
    ("SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
     "SELECT o.id AS id, r.rate AS rate FROM orders AS o ASOF JOIN (SELECT rates.cur AS cur, rates.rate AS rate, "
     "rates.ts AS ts FROM rates AS rates QUALIFY CASE WHEN COUNT(*) OVER (PARTITION BY rates.cur, rates.ts) > 1 "
     "THEN ERROR('versioned table `rates` holds two versions of one key at the same time (cur, ts): Flink''s "
     "temporal join may take either, so a replay cannot reproduce it') ELSE TRUE END) AS r "
     "ON o.cur = r.cur AND o.ts >= r.ts"),
    ("SELECT o.id, r.rate FROM orders AS o LEFT JOIN latest_rates FOR SYSTEM_TIME AS OF o.ts AS r "
     "ON o.cur = r.cur",
     "SELECT o.id AS id, r.rate AS rate FROM orders AS o ASOF LEFT JOIN (SELECT _0.cur AS cur, _0.rate AS rate, "
     "_0.ts AS ts FROM (SELECT rate_log.cur AS cur, rate_log.rate AS rate, rate_log.ts AS ts, ROW_NUMBER() OVER "
     "(PARTITION BY rate_log.cur ORDER BY rate_log.ts DESC, rate_log.rowid DESC) AS rownum FROM rate_log AS rate_log) "
     "AS _0) AS r "
     "ON o.cur = r.cur AND o.ts >= r.ts"),
    ("SELECT cur, window_start, SUM(amount) FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' HOUR)) "
     "GROUP BY cur, window_start, window_end",
     "SELECT orders.cur AS cur, orders.window_start AS window_start, SUM(orders.amount) AS _col_2 FROM "
     "(SELECT _1.id AS id, _1.cur AS cur, _1.amount AS amount, _1.ts AS ts, _1.window_start AS window_start, "
     "_1.window_end AS window_end, _1.window_end - INTERVAL '1' MILLISECOND AS window_time FROM (SELECT _0.id AS id, "
     "_0.cur AS cur, _0.amount AS amount, _0.ts AS ts, _0.window_start AS window_start, _0.window_start + "
     "(INTERVAL '1' HOUR) AS window_end FROM (SELECT orders.id AS id, orders.cur AS cur, orders.amount AS amount, "
     "orders.ts AS ts, TIME_BUCKET((INTERVAL '1' HOUR), CAST(orders.ts AS TIMESTAMP), CAST('1970-01-01 00:00:00' "
     "AS TIMESTAMP)) AS window_start FROM orders AS orders) AS _0) AS _1) AS orders GROUP BY orders.cur, "
     "orders.window_start, orders.window_end"),
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
    con.execute("CREATE TABLE orders AS SELECT 1 AS id, 'EUR' AS cur, 1.0 AS amount, "
                "TIMESTAMP '2013-11-03 10:44:59.999' AS ts")
    start, end, window_time = con.execute(sql).fetchone()
    assert (str(start), str(end), str(window_time)) == (
        "2013-11-03 10:30:00", "2013-11-03 10:45:00", "2013-11-03 10:44:59.999000")


REFUSED = [
    ("SELECT id, PROCTIME() FROM orders", "processing time", 1, 12),
    ("SELECT *\nFROM TABLE(SLIDE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
     "SLIDE is not a Flink window function", 2, None),
    ("SELECT DATE_FORMAT(ts, cur) FROM orders", "needs a literal format", 1, 8),
    ("SELECT * FROM orders MATCH_RECOGNIZE (PARTITION BY cur ORDER BY ts MEASURES A.id AS aid "
     "ALL ROWS PER MATCH PATTERN (A) DEFINE A AS A.amount > 10)", "ALL ROWS PER MATCH is not replayed", 1, None),
    ("SELECT o.id FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur AND o.amount > r.rate",
     "only key equalities", 1, None),
    ("SELECT o.id FROM orders AS o JOIN all_rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
     "not a versioned view", 1, None),
    ("SELECT o.id FROM orders AS o JOIN rate_log FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
     "not a versioned table", 1, None),
    # Whether Flink's semi-join filters a session's rows before or after windowing is not known here.
    ("SELECT uid, COUNT(*) FROM TABLE(SESSION(TABLE clicks PARTITION BY uid, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE)) "
     "WHERE uid IN (SELECT cur FROM orders) GROUP BY uid, window_start, window_end", "a subquery in the filter", 1, None),
]


@pytest.mark.parametrize("sql, message, line, column", REFUSED)
def test_untranslatable_sql_is_refused_with_its_place(job, sql, message, line, column):
    with pytest.raises(TranslationError, match=message) as error:
        translate(job, sql)
    assert error.value.path == job.path
    assert error.value.line == 10 + line - 1
    if column is not None:
        assert error.value.column == column


def test_computed_time_attribute_is_a_column_of_its_table(job):
    # The schema keeps computed columns (a sqlglot lookup cache once hid them from star expansion).
    sql = translate(job, "SELECT * FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE, "
                         "INTERVAL '5' MINUTE))")
    assert "_0.rowtime AS rowtime" in sql and "_1.rowtime AS rowtime" in sql
    # Windows over a TIMESTAMP_LTZ align in local time; window_time is the instant of the local end.
    assert "TIME_BUCKET((INTERVAL '5' MINUTE), CAST(STRFTIME(clicks.rowtime" in sql
    assert "CAST(_1.window_end - INTERVAL '1' MILLISECOND AS TIMESTAMPTZ) AS window_time" in sql


SESSION = "TABLE(SESSION(TABLE clicks PARTITION BY uid, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))"
SESSION_VIEW = f"SELECT * FROM {SESSION}"
FILTERS = [
    # A filter between a SESSION TVF and its window aggregate runs before windowing, in Flink's plan...
    (f"SELECT uid, COUNT(*) FROM {SESSION} WHERE dur > 3 GROUP BY uid, window_start, window_end",
     "SELECT uid, COUNT(*) FROM TABLE(SESSION(TABLE (SELECT * FROM clicks WHERE dur > 3) AS clicks PARTITION BY uid, "
     "DESCRIPTOR(rowtime), INTERVAL '1' MINUTE)) GROUP BY uid, window_start, window_end"),
    # ... through subqueries and views, with renamed columns ...
    ("SELECT who, COUNT(*) FROM (SELECT uid AS who, window_start, window_end FROM sessions WHERE dur > 3) AS s "
     "WHERE who <> 'x' GROUP BY who, window_start, window_end",
     "SELECT who, COUNT(*) FROM (SELECT uid AS who, window_start, window_end FROM (SELECT * FROM TABLE(SESSION("
     "TABLE (SELECT * FROM clicks WHERE uid <> 'x' AND dur > 3) AS clicks PARTITION BY uid, DESCRIPTOR(rowtime), "
     "INTERVAL '1' MINUTE))) AS sessions) AS s GROUP BY who, window_start, window_end"),
    ("SELECT uid, COUNT(*) FROM long_sessions WHERE uid <> 'x' GROUP BY uid, window_start, window_end",
     "SELECT uid, COUNT(*) FROM (SELECT * FROM (SELECT * FROM TABLE(SESSION(TABLE (SELECT * FROM clicks WHERE "
     "uid <> 'x' AND dur > 3) AS clicks PARTITION BY uid, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE))) AS sessions) "
     "AS long_sessions GROUP BY uid, window_start, window_end"),
    # ... unless the merged filter reads a window column: then it filters windowed rows.
    ("SELECT uid, COUNT(*) FROM sessions WHERE dur > 3 AND window_end > TIMESTAMP '2024-01-01 00:00:00' "
     "GROUP BY uid, window_start, window_end", None),
    # ... or a projection on the way computes on window columns.
    ("SELECT uid, COUNT(*), MAX(secs) FROM (SELECT uid, dur, window_start, window_end, TIMESTAMPDIFF(SECOND, "
     f"window_start, window_end) AS secs FROM {SESSION}) WHERE dur > 3 GROUP BY uid, window_start, window_end", None),
    # Without a window aggregate (rows, ranking), Flink builds sessions from all rows too.
    (f"SELECT uid, window_start FROM {SESSION} WHERE dur > 3", None),
    (f"SELECT uid, COUNT(*) FROM {SESSION} WHERE dur > 3 GROUP BY uid", None),
    # Other windows give the same rows either way.
    ("SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(rowtime), INTERVAL '1' MINUTE)) WHERE dur > 3 "
     "GROUP BY window_start, window_end", None),
]


VIEWS = {"sessions": SESSION_VIEW, "long_sessions": "SELECT * FROM sessions WHERE dur > 3"}


@pytest.mark.parametrize("flink, expected", FILTERS)
def test_filters_before_session_windows(flink, expected):
    views = {name: sqlglot.parse_one(sql, read=Flink) for name, sql in VIEWS.items()}
    tree = sqlglot.parse_one(flink, read=Flink)
    assert tree.transform(lambda node: filter_before_window(node, views)).sql(Flink) == (expected or tree.sql(Flink))
    assert {name: view.sql(Flink) for name, view in views.items()} == VIEWS  # views are inlined as copies


def _sessions(job, sql):
    con = duckdb.connect()
    con.execute("CREATE TABLE clicks AS SELECT * FROM (VALUES ('a', 5, 0), ('a', 1, 50000), ('a', 5, 100000)) "
                "AS t(uid, dur, ms)")
    con.execute("CREATE OR REPLACE TABLE clicks AS SELECT *, make_timestamp(ms * 1000) AS rowtime FROM clicks")
    return sorted(con.execute(translate(job, sql)).fetchall())


def test_a_filter_picks_the_rows_sessions_are_built_from(job):
    # Rows at 0 s, 50 s and 100 s with a 1-minute gap: one session, or two without the short view at 50 s.
    assert _sessions(job, f"SELECT COUNT(*) FROM {SESSION} GROUP BY uid, window_start, window_end") == [(3,)]
    assert _sessions(job, f"SELECT COUNT(*) FROM {SESSION} WHERE dur > 3 GROUP BY uid, window_start, window_end") \
        == [(1,), (1,)]
    assert _sessions(job, "SELECT COUNT(*) FROM clicks WHERE dur > 3 GROUP BY uid, SESSION(rowtime, INTERVAL '1' "
                          "MINUTE)") == [(1,), (1,)]


@pytest.mark.parametrize("zone, size, refused", [
    ("Asia/Kolkata", "INTERVAL '1' HOUR", True), ("Asia/Kolkata", "INTERVAL '15' MINUTE", False),
    ("America/New_York", "INTERVAL '1' HOUR", False), ("UTC", "INTERVAL '7' MINUTE", False)])
def test_ltz_windows_the_zone_offset_does_not_divide_are_refused(tmp_path, zone, size, refused):
    path = tmp_path / "job.sql"
    path.write_text(f"SET 'table.local-time-zone' = '{zone}';\n{TABLES}")
    sql = f"SELECT COUNT(*) FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(rowtime), {size})) GROUP BY window_start, window_end"
    if refused:
        with pytest.raises(TranslationError, match="offset does not divide"):
            translate(parse_job(path), sql)
    else:
        translate(parse_job(path), sql)


NESTED_TABLE = """CREATE TABLE o (id BIGINT, c ROW<name STRING, at ROW<city STRING>>, lines ARRAY<ROW<sku STRING,
qty INT>>, tags ARRAY<STRING>, strict ARRAY<INT NOT NULL>, m MAP<STRING NOT NULL, INT>, i INT)
WITH ('connector' = 'kafka', 'format' = 'json');"""
NESTED_ROWS = ("SELECT * FROM (VALUES (1, {'name': 'a', 'at': {'city': 'Oslo'}}, [{'sku': 'x', 'qty': 2}], "
               "['p', 'q'], [1], MAP {'k': 5}, -1), (2, NULL, [], [], [], MAP {}, 0), (3, NULL, NULL, NULL, NULL, "
               "NULL, 2)) AS v(id, c, lines, tags, strict, m, i)")


def _nested(tmp_path, sql):
    path = tmp_path / "nested.sql"
    path.write_text(NESTED_TABLE)
    job = parse_job(path)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE o AS {NESTED_ROWS}")
    return con.execute(translate(job, sql)).fetchall()


def test_nested_field_element_and_map_access(tmp_path):
    rows = _nested(tmp_path, "SELECT id, c.at.city, t.c.name, lines[1].sku, tags[2], tags[3], m['k'], m['no'], "
                             "CARDINALITY(tags), CARDINALITY(m) FROM o AS t ORDER BY id")
    assert rows == [(1, "Oslo", "a", "x", "q", None, 5, None, 2, 1), (2, None, None, None, None, None, None, None, 0, 0),
                    (3, None, None, None, None, None, None, None, None, None)]


def test_element_at_an_index_below_one_is_null_as_in_flink(tmp_path):
    # DuckDB counts a negative index from the end; Flink gives NULL
    assert _nested(tmp_path, "SELECT id, tags[i] FROM o ORDER BY id") == [(1, None), (2, None), (3, None)]
    assert _nested(tmp_path, "SELECT id, tags[i + 2], tags[i + 3] FROM o ORDER BY id") == [
        (1, "p", "q"), (2, None, None), (3, None, None)]


def test_element_of_more_than_one_fails_as_flinks_job(tmp_path):
    with pytest.raises(duckdb.Error, match="ELEMENT of an array with more than one element"):
        _nested(tmp_path, "SELECT ELEMENT(tags) FROM o")
    assert _nested(tmp_path, "SELECT id, ELEMENT(lines).qty FROM o ORDER BY id") == [(1, 2), (2, None), (3, None)]


def test_access_to_not_null_elements_is_refused(tmp_path):
    with pytest.raises(TranslationError, match="element access of `strict`, whose element type"):
        _nested(tmp_path, "SELECT strict[1] FROM o")
    with pytest.raises(TranslationError, match="ELEMENT of `strict`"):
        _nested(tmp_path, "SELECT ELEMENT(strict) FROM o")
    assert _nested(tmp_path, "SELECT CARDINALITY(strict) FROM o ORDER BY id") == [(1,), (0,), (None,)]


def test_map_constructor_needs_distinct_constant_keys(tmp_path):
    assert _nested(tmp_path, "SELECT CARDINALITY(MAP['a', 1, 'b', id]) FROM o") == [(2,)] * 3
    with pytest.raises(TranslationError, match="element access of"):  # Flink: -1 for a missing key
        _nested(tmp_path, "SELECT MAP['a', 1, 'b', 2]['c'] FROM o")
    with pytest.raises(TranslationError, match="keys that are not distinct constants"):
        _nested(tmp_path, "SELECT MAP['a', 1, 'a', 2] FROM o")


def test_unnest_rows_skips_null_elements_and_keeps_null_values(tmp_path):
    rows = _nested(tmp_path, "SELECT id, li.sku, li.qty, n FROM o CROSS JOIN UNNEST(o.lines) WITH ORDINALITY "
                             "AS li(sku, qty, n) ORDER BY id")
    assert rows == [(1, "x", 2, 1)]
    assert _nested(tmp_path, "SELECT id, tag FROM o LEFT JOIN UNNEST(tags) AS t(tag) ON TRUE ORDER BY id, tag") == [
        (1, "p"), (1, "q"), (2, None), (3, None)]
    assert _nested(tmp_path, "SELECT id, k, v FROM o CROSS JOIN UNNEST(m) AS e(k, v)") == [(1, "k", 5)]


def test_unnest_with_ordinality_of_a_null_row_fails_as_flinks_job(tmp_path):
    path = tmp_path / "nested.sql"
    path.write_text(NESTED_TABLE)
    con = duckdb.connect()
    con.execute("CREATE TABLE o AS SELECT 1 AS id, [{'sku': 'x', 'qty': 1}, NULL] AS lines")
    sql = "SELECT sku FROM o CROSS JOIN UNNEST(lines) {} AS li(sku, qty{})"
    assert con.execute(translate(parse_job(path), sql.format("", ""))).fetchall() == [("x",)]
    with pytest.raises(duckdb.Error, match="UNNEST WITH ORDINALITY of an ARRAY of ROWs holding a NULL element"):
        con.execute(translate(parse_job(path), sql.format("WITH ORDINALITY", ", n"))).fetchall()
    with pytest.raises(TranslationError, match="UNNEST of a MAP needs two column names"):
        translate(parse_job(path), "SELECT k FROM o CROSS JOIN UNNEST(m) AS e(k)")


def test_str_to_map_with_regex_delimiters_is_refused(tmp_path):
    # Flink reads the delimiters as Java regular expressions
    with pytest.raises(TranslationError, match="reads it as a Java regular expression"):
        _nested(tmp_path, "SELECT STR_TO_MAP('a.1', ',', '.') FROM o")
    assert _nested(tmp_path, "SELECT STR_TO_MAP('k=1,k=2,j,,') FROM o WHERE id = 1") == [({"k": "2", "j": None},)]


def test_json_object_sorts_keys_and_refuses_what_it_cannot_write_as_flink(tmp_path):
    assert _nested(tmp_path, "SELECT JSON_OBJECT(KEY 'z' VALUE id, 'a' VALUE c.name, 'B' VALUE TRUE) FROM o "
                             "WHERE id = 1") == [('{"B":true,"a":"a","z":1}',)]
    assert _nested(tmp_path, "SELECT JSON_OBJECT('a' VALUE id, 'b' VALUE CAST(NULL AS INT) ABSENT ON NULL) FROM o "
                             "WHERE id = 1") == [('{"a":1}',)]
    with pytest.raises(TranslationError, match="JSON_OBJECT with DOUBLE"):  # Java and DuckDB print doubles apart
        _nested(tmp_path, "SELECT JSON_OBJECT('a' VALUE CAST(id AS DOUBLE)) FROM o")


def test_statistics_over_a_view_use_no_file_order(tmp_path):
    """STDDEV/VAR of integers replay Flink's Welford in file order only over a source read directly; over a
    view (no rowid there) DuckDB's own statistic gives the case's Flink values."""
    import json
    from pathlib import Path

    import pandas as pd

    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.project import Project

    case = Path(__file__).parent / "replay" / "agg_stddev_var"
    text = (case / "job.sql").read_text()
    head, insert = text.split("INSERT INTO sensor_spread", 1)
    job_file = tmp_path / "job.sql"
    job_file.write_text(head + "CREATE TEMPORARY VIEW kept AS SELECT * FROM readings WHERE sensor_id IS NOT NULL;\n\n"
                        "INSERT INTO sensor_spread" + insert.replace("FROM readings", "FROM kept"))
    job = parse_job(job_file, [])
    insert = job.inserts[0]
    assert "rowid" not in Translator(job).query(insert.query, insert.statement).sql("duckdb")
    result = DuckDBEngine(Project(Path(__file__).parent.parent), use_cache=False).replay(
        job, {"readings": case / "inputs" / "readings.jsonl"}, tmp_path / "out")
    got = pd.read_parquet(result.sinks["sensor_spread"]).set_index("sensor_id").sort_index()
    expected = pd.DataFrame([json.loads(line) for line in (case / "expected" / "sensor_spread.jsonl").open()])
    expected = expected.set_index("sensor_id").sort_index()
    for column in ("humidity_stddev", "humidity_var_pop"):  # integers cut from a DOUBLE, NULL for no value
        assert got[column].fillna(-1).tolist() == expected[column].fillna(-1).tolist()
    assert ((got["pressure_var_samp"].astype(float) - expected["pressure_var_samp"].astype(float)).abs()
            .fillna(0) < 1e-6).all()


def test_query_hints_leave_the_replay_with_a_note(job):
    sql = "SELECT /*+ STATE_TTL('orders' = '1d') */ cur, COUNT(*) FROM orders GROUP BY cur"
    tree = sqlglot.parse_one(sql, read=Flink)
    translator = Translator(job)
    translated = translator.query(tree, Statement(job.path, 3, 1, sql, tree))
    assert "STATE_TTL" not in translated.sql("duckdb")
    assert len(translator.notes) == 1 and "processing time" in translator.notes[0]
    joined = "SELECT /*+ SHUFFLE_HASH(o) */ o.id FROM orders AS o JOIN rate_log AS r ON o.cur = r.cur"
    tree = sqlglot.parse_one(joined, read=Flink)
    assert "SHUFFLE_HASH" not in translator.query(tree, Statement(job.path, 4, 1, joined, tree)).sql("duckdb")
    assert len(translator.notes) == 1  # a join strategy changes how, not what
    unknown = "SELECT /*+ FASTER(o) */ id FROM orders AS o"
    tree = sqlglot.parse_one(unknown, read=Flink)
    with pytest.raises(TranslationError, match="query hint FASTER is not one of Flink's"):
        translator.query(tree, Statement(job.path, 5, 1, unknown, tree))
