"""The function-semantics corpus (tests/functions): each expression replayed on DuckDB against the value
Flink gave (recorded by `streamscore test tests/functions --regenerate`), and Flink re-checked against
its own record. Refusing is allowed (with its place); a different value is not."""

from pathlib import Path

import pytest

from streamscore import semantics

CORPUS = Path(__file__).parent / "functions"
FAMILIES = semantics.families(CORPUS)


@pytest.fixture(scope="module")
def duckdb_side(project):
    side = semantics.DuckDBSide(project, CORPUS)
    yield side
    side.close()


def test_corpus_is_large_enough():
    expressions = [e for f in FAMILIES for e in semantics.read_family(CORPUS, f)]
    assert len(expressions) >= 1200
    assert len({(e.family, e.sql) for e in expressions}) == len(expressions), "an expression is listed twice"


@pytest.mark.parametrize("family", FAMILIES)
def test_duckdb(family, project, duckdb_side):
    summary = semantics.check_family(project, CORPUS, family, duckdb_side)
    different = [f"{o.expression.line}: {o.expression.sql}: {o.detail}" for o in summary.outcomes
                 if o.verdict == "different"]
    assert not different, "\n".join(different)
    assert summary.count("identical") > summary.count("refused"), summary.line()


def test_refusals_name_their_place(project, duckdb_side):
    expression = semantics.Expression("strings", 7, "  SOUNDEX(s)")
    kind, message = duckdb_side.evaluate(expression)
    assert kind == "refused"
    assert "strings.sql:7:3" in message and "SOUNDEX" in message


def test_records_are_flinks_for_the_families_as_they_are():
    stale = [f for f in FAMILIES if semantics.recorded_fingerprint(CORPUS, f) != semantics.family_fingerprint(CORPUS, f)]
    assert not stale, f"changed since Flink recorded them (run `streamscore test tests/functions --family F " \
                      f"--regenerate`): {stale}"


FLINK_SAMPLE = ["aggregates", "hashing", "regexp"]  # quick families; the rest with --flink-corpus all


def pytest_generate_tests(metafunc):
    if metafunc.function.__name__ == "test_flink":  # the others' records: the fingerprint test above
        metafunc.parametrize("family", FAMILIES if metafunc.config.getoption("flink_corpus") == "all"
                             else FLINK_SAMPLE)


@pytest.mark.flink
def test_flink(family, flink_engine):
    side = semantics.FlinkSide(flink_engine, CORPUS)
    summary = semantics.check_flink_family(side, CORPUS, family)
    different = [f"{o.expression.line}: {o.expression.sql}: {o.detail}" for o in summary.outcomes
                 if o.verdict == "different"]
    assert not different, "\n".join(different)


@pytest.mark.parametrize("sql, reason", [
    # Flink's streaming planner refuses LEAD; a negative LAG offset fails its job; a default of another type
    # fails its planner.
    ("LEAD(d) OVER (ORDER BY ts)", "LEAD is not supported by Flink in streaming mode"),
    ("LAG(d, -1) OVER (ORDER BY ts)", "offset must be a constant of 0 or more"),
    ("LAG(d, 1, 0) OVER (ORDER BY ts)", "must have the type of its value"),
    # what the replay cannot reproduce yet: DECIMAL arithmetic of OVER statistics, the order of DISTINCT values
    ("STDDEV_POP(m18) OVER (ORDER BY ts)", "in an OVER window is not replayed yet"),
    ("VAR_SAMP(f) OVER (ORDER BY ts)", "in an OVER window is not replayed yet"),
    ("LISTAGG(DISTINCT s)", "LISTAGG(DISTINCT ...) is not replayed yet"),
    ("STDDEV_POP(DISTINCT i)", "STDDEV_POP(DISTINCT ...) is not replayed yet"),
    ("COLLECT(s)", "COLLECT: the replay does not translate this function faithfully yet"),
    ("ARRAY_AGG(DISTINCT s)", "ARRAY_AGG(DISTINCT ...) is not replayed yet"),
    ("JSON_ARRAYAGG(DISTINCT s)", "JSON_ARRAYAGG(DISTINCT ...) is not replayed yet"),
])
def test_refused_with_their_reason(duckdb_side, sql, reason):
    kind, message = duckdb_side.evaluate(semantics.Expression("aggregates", 1, sql))
    assert kind == "refused", message
    assert reason in message


def test_window_functions_follow_flink(duckdb_side):
    """Over one row: LAG has no previous row (its default, or NULL), FIRST_VALUE/LAST_VALUE the row's value, and
    an INT's running VAR_POP is an INT (Flink's reduction in the argument's type)."""
    cases = {"LAG(d, 1, CAST(-1 AS DOUBLE)) OVER (ORDER BY ts)": {"double": "-1.0"},
             "LAG(i) OVER (ORDER BY ts)": None, "LAG(i, 0) OVER (ORDER BY ts)": 42,
             "FIRST_VALUE(d) OVER (ORDER BY ts)": {"double": "3.75"}, "LAST_VALUE(dnul) OVER (ORDER BY ts)": None,
             "VAR_POP(i) OVER (ORDER BY ts)": 0, "STDDEV_SAMP(i) OVER (ORDER BY ts)": None,
             "VAR_POP(m2) OVER (ORDER BY ts)": {"decimal": "0.000000"}}
    for sql, value in cases.items():
        assert duckdb_side.evaluate(semantics.Expression("aggregates", 1, sql)) == ("value", value), sql
