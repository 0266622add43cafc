"""Splitting and parsing job files into the job object, with errors that point at file:line:col."""

from pathlib import Path

import pytest

from streamscore.engines.flink import with_options
from streamscore.errors import ParseError
from streamscore.late import sensitive_nodes
from streamscore.sql.statements import parse_job, split_statements


def test_split_keeps_positions_and_unwraps_statement_sets():
    text = (
        "-- a comment; with a semicolon\n"
        "SET 'a' = 'x;y';\n"
        "EXECUTE STATEMENT SET\n"
        "BEGIN\n"
        "  INSERT INTO s SELECT 1;\n"
        "  INSERT INTO s SELECT ';';\n"
        "END;\n"
    )
    parts = [(line, column, sql) for line, column, sql, _ in split_statements(text, Path("x.sql"))]
    assert parts == [
        (2, 1, "SET 'a' = 'x;y'"),
        (5, 3, "INSERT INTO s SELECT 1"),
        (6, 3, "INSERT INTO s SELECT ';'"),
    ]


def test_flights_job(flights_job):
    assert [t.name for t in flights_job.sources] == ["flights", "weather"]
    assert [t.name for t in flights_job.sinks] == ["flight_scores", "delay_alerts"]
    assert list(flights_job.views) == ["weather_versions", "flight_traffic", "flight_features", "scored_flights"]
    assert flights_job.functions["delay_risk"].target == "udfs.flights.delay_risk"
    assert flights_job.tables["flights"].rowtime == "sched_dep_time"
    assert flights_job.views_calling({"delay_risk_served"}) == {"scored_flights"}
    insert = flights_job.inserts[0]
    assert insert.statement.text[insert.statement.query_at:].startswith("SELECT flight_id")


def test_with_options_keeps_the_schema_as_written(flights_job):
    table = flights_job.tables["weather"]
    ddl = with_options(table, {"connector": "filesystem", "path": "/tmp/it's.jsonl"})
    assert ddl.startswith(table.statement.text[: table.statement.with_clause_at].rstrip())
    assert "WATERMARK FOR obs_time AS obs_time - INTERVAL '1' SECOND" in ddl
    assert ddl.endswith("'connector' = 'filesystem',\n  'path' = '/tmp/it''s.jsonl'\n)")
    assert "kafka" not in ddl


def _job(tmp_path, text):
    path = tmp_path / "job.sql"
    path.write_text(text)
    return path


def test_syntax_error_is_located(tmp_path):
    path = _job(tmp_path, "CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\n\nSELECT FROM WHERE (;\n")
    with pytest.raises(ParseError) as error:
        parse_job(path)
    assert error.value.path == path and error.value.line == 3
    assert str(error.value).startswith(f"{path}:3")


def test_insert_into_unknown_table_is_located(tmp_path):
    path = _job(tmp_path, "CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\nINSERT INTO nowhere SELECT a FROM t;\n")
    with pytest.raises(ParseError, match="unknown table `nowhere`") as error:
        parse_job(path)
    assert error.value.line == 2


def test_duplicate_table(tmp_path):
    path = _job(tmp_path, "CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\n"
                          "CREATE TABLE t (b INT) WITH ('connector' = 'datagen');\n")
    with pytest.raises(ParseError, match="declared twice") as error:
        parse_job(path)
    assert error.value.line == 2


def test_unsupported_statement(tmp_path):
    with pytest.raises(ParseError, match="unsupported statement"):
        parse_job(_job(tmp_path, "DROP TABLE t;\n"))


def test_java_function_is_refused(tmp_path):
    with pytest.raises(ParseError, match="LANGUAGE PYTHON"):
        parse_job(_job(tmp_path, "CREATE TEMPORARY FUNCTION f AS 'com.x.F' LANGUAGE JAVA;\n"))


def test_create_table_like_merges_as_flink_does(tmp_path):
    from streamscore.sql.statements import parse_job

    path = tmp_path / "job.sql"
    path.write_text("""
CREATE TABLE base (id BIGINT, ts TIMESTAMP(3), day AS CAST(ts AS DATE), PRIMARY KEY (id) NOT ENFORCED,
  WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 'a', 'format' = 'json');
CREATE TEMPORARY TABLE copy (note STRING) WITH ('topic' = 'b') LIKE base;
CREATE TABLE bare WITH ('connector' = 'blackhole') LIKE base (INCLUDING ALL EXCLUDING WATERMARKS EXCLUDING GENERATED
  EXCLUDING OPTIONS);
INSERT INTO bare SELECT id, ts FROM copy;
""")
    job = parse_job(path)
    copy, bare = job.tables["copy"], job.tables["bare"]
    assert [c.name for c in copy.columns] == ["id", "ts", "day", "note"] and copy.rowtime == "ts"
    assert copy.options == {"connector": "kafka", "topic": "b", "format": "json"} and copy.primary_key == ["id"]
    assert [c.name for c in bare.columns] == ["id", "ts"] and bare.rowtime is None
    assert bare.options == {"connector": "blackhole"}
    assert bare.like.for_flink() == "LIKE base (INCLUDING ALL EXCLUDING WATERMARKS EXCLUDING GENERATED EXCLUDING OPTIONS)"
    assert [t.name for t in job.sources] == ["copy"]


def test_nested_column_types_are_parsed_not_left_to_flink(tmp_path):
    text = ("CREATE TABLE p (id BIGINT, card ROW<card_id STRING NOT NULL, `at` ROW<city STRING>>, "
            "items ARRAY<ROW<sku STRING, qty INT>>, tags ARRAY<STRING NOT NULL>, "
            "signals MAP<STRING NOT NULL, ARRAY<DOUBLE>>, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
            "WITH ('connector' = 'kafka');\n"
            "CREATE TABLE s (id BIGINT, sku STRING) WITH ('connector' = 'blackhole');\n"
            "INSERT INTO s SELECT id, i.sku FROM p CROSS JOIN UNNEST(items) AS i(sku, qty);")
    job = parse_job(_job(tmp_path, text))
    assert job.unparsed == []
    table = job.tables["p"]
    assert [c.type.sql("duckdb") for c in table.columns[1:5]] == [
        'STRUCT(card_id TEXT, "at" STRUCT(city TEXT))', "STRUCT(sku TEXT, qty INT)[]", "TEXT[]",
        "MAP(TEXT, DOUBLE[])"]
    assert table.rowtime == "ts"
    # UNNEST is a per-row join: the late rows of its input matter to no operator here
    assert sensitive_nodes(job.inserts[0].query, set()) == []


def test_create_table_as_select_is_a_table_and_its_insert(tmp_path):
    """CTAS: a table without columns yet (Flink gives them) and an INSERT whose text is the statement with its
    head blanked in place, so positions in the query stay the file's; declared columns are refused."""
    path = _job(tmp_path, "CREATE TABLE s (a INT, b STRING NOT NULL) WITH ('connector' = 'datagen');\n"
                          "CREATE TABLE IF NOT EXISTS `big s`\n  (PRIMARY KEY (b) NOT ENFORCED)\n"
                          "  WITH ('connector' = 'blackhole', 'x' = 'big s')\nAS SELECT b, a + 1 FROM s;\n")
    job = parse_job(path)
    table = job.tables["big s"]
    assert table.columns == [] and table.primary_key == ["b"] and table.options["x"] == "big s"
    assert table.as_select is not None and job.tables["s"].not_null == ["b"] and table.not_null == ["b"]
    insert = job.inserts[0]
    assert insert.sink == "big s" and [t.name for t in job.sources] == ["s"]
    text = insert.statement.text
    assert len(text) == len(job.statements[1].text) and text.count("\n") == job.statements[1].text.count("\n")
    assert text.split() == ["INSERT", "INTO", "`big", "s`", "SELECT", "b,", "a", "+", "1", "FROM", "s"]
    assert text[insert.statement.query_at:] == "SELECT b, a + 1 FROM s"
    with pytest.raises(ParseError, match="declaring columns"):
        parse_job(_job(tmp_path, "CREATE TABLE s (a INT) WITH ('connector' = 'datagen');\n"
                                 "CREATE TABLE t (a INT) WITH ('connector' = 'blackhole') AS SELECT a FROM s;\n"))
