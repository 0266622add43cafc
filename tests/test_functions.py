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


@pytest.mark.flink
@pytest.mark.parametrize("family", FAMILIES)
def test_flink(family, flink_engine):
    side = semantics.FlinkSide(flink_engine, CORPUS)
    summary = semantics.check_flink_family(side, CORPUS, family)
    different = [f"{o.expression.line}: {o.expression.sql}: {o.detail}" for o in summary.outcomes
                 if o.verdict == "different"]
    assert not different, "\n".join(different)
