"""The flink sqlglot dialect: Flink SQL parses to what Flink means, and prints back as Flink SQL."""

import pytest
import sqlglot
from sqlglot import exp

from streamscore.sql.dialect import Descriptor, Flink, TableArgument, WindowTableFunction

ROUND_TRIPS = [
    "SELECT * FROM f LEFT JOIN w FOR SYSTEM_TIME AS OF f.ts AS w ON f.k = w.k",
    "SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' HOUR)) "
    "GROUP BY window_start, window_end",
    "SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' MINUTE))",
    "SELECT * FROM TABLE(HOP(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), SLIDE => INTERVAL '1' HOUR, "
    "SIZE => INTERVAL '2' HOUR))",
    "SELECT COUNT(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW) "
    "FROM t",
    "SELECT CAST(x AS STRING), DAYOFWEEK(ts), 'it''s' FROM t",
    "CREATE TABLE t (id BIGINT, name STRING, ts TIMESTAMP(3), later AS ts + INTERVAL '1' HOUR, "
    "WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, PRIMARY KEY (id) NOT ENFORCED) "
    "WITH ('connector' = 'kafka', 'topic' = 'x')",
    # nested types, NOT NULL inside them kept
    "CREATE TABLE t (c ROW<id STRING NOT NULL, at ROW<city STRING, zip STRING>>, "
    "lines ARRAY<ROW<sku STRING, qty INT NOT NULL>>, tags ARRAY<STRING NOT NULL>, m MAP<STRING NOT NULL, "
    "ARRAY<DOUBLE>>) WITH ('connector' = 'kafka')",
    "SELECT c.at.city, lines[1].sku, m['k'][2], CARDINALITY(tags) FROM t CROSS JOIN UNNEST(t.tags) "
    "WITH ORDINALITY AS u(tag, n)",
]


@pytest.mark.parametrize("sql", ROUND_TRIPS)
def test_round_trip(sql):
    assert sqlglot.parse_one(sql, read=Flink).sql(Flink) == sql


def test_registered_as_sqlglot_plugin():
    assert sqlglot.Dialect.get_or_raise("flink").__class__ is Flink
    assert sqlglot.transpile("SELECT `a b` FROM t", read="flink", write="duckdb") == ['SELECT "a b" FROM t']


def test_temporal_join_is_not_time_travel():
    tree = sqlglot.parse_one("SELECT * FROM f JOIN w FOR SYSTEM_TIME AS OF f.ts ON f.k = w.k", read=Flink)
    version = tree.args["joins"][0].this.args["version"]
    assert isinstance(version, exp.Version)
    assert version.this == "SYSTEM_TIME"
    assert version.expression.sql() == "f.ts"


def test_window_tvf_arguments():
    tree = sqlglot.parse_one(
        "SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (a, b), DESCRIPTOR(ts), INTERVAL '1' MINUTE)) AS s",
        read=Flink)
    tvf = tree.find(WindowTableFunction)
    assert tvf.this == "SESSION" and tvf.alias == "s"
    table, descriptor, gap = tvf.expressions
    assert isinstance(table, TableArgument) and [c.name for c in table.args["partition_by"]] == ["a", "b"]
    assert isinstance(descriptor, Descriptor) and descriptor.expressions[0].name == "ts"
    assert isinstance(gap, exp.Interval)


def test_watermark_and_primary_key_in_schema():
    tree = sqlglot.parse_one(
        "CREATE TABLE t (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts, PRIMARY KEY (k) NOT ENFORCED) "
        "WITH ('connector' = 'filesystem')", read=Flink)
    items = tree.this.expressions
    assert any(isinstance(i, exp.WatermarkColumnConstraint) and i.this.name == "ts" for i in items)
    assert any(isinstance(i, exp.PrimaryKey) for i in items)


def test_every_function_parsed_as_flinks_has_a_translation():
    from streamscore.sql.dialect import FLINK_FUNCTIONS
    from streamscore.sql.functions import FUNCTIONS

    assert FLINK_FUNCTIONS == set(FUNCTIONS)


def test_nested_types_keep_their_not_null_and_become_duckdb_types():
    create = sqlglot.parse_one("CREATE TABLE t (c ROW(id STRING NOT NULL), tags ARRAY<STRING NOT NULL>, "
                               "m MAP<STRING, INT NOT NULL>, n INT NOT NULL)", read=Flink)
    c, tags, m, n = create.this.expressions
    assert c.args["kind"].sql(Flink) == "ROW<id STRING NOT NULL>"
    assert tags.args["kind"].expressions[0].args["nullable"] is False
    assert m.args["kind"].expressions[1].args["nullable"] is False and m.args["kind"].expressions[0].args.get(
        "nullable") is None
    assert [x.args["kind"].sql("duckdb") for x in (c, tags, m)] == ["STRUCT(id TEXT)", "TEXT[]", "MAP(TEXT, INT)"]
    # a column's own NOT NULL stays a column constraint
    assert n.args["kind"].args.get("nullable") is None and "NOT NULL" in n.sql(Flink)


def test_array_index_is_one_based_in_both_dialects():
    sql = "SELECT a[1], a[i], a[i + 1], b[1][2], m['k'] FROM t"
    assert sqlglot.transpile(sql, read=Flink, write="duckdb") == [sql]
