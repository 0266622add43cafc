"""The replay corpus (tests/replay/): every case on DuckDB against Flink's expected rows, and on Flink.

Expected rows were written by Flink (`streamscore test --regenerate`), with a fingerprint of everything
that run read (the case's SQL, tables, inputs, Flink's version): a case whose fingerprint no longer matches
fails until regenerated, so every expected row is Flink's for the case as it is. Flink itself replays one
case of each family here (its harness, every kind of case); `pytest --flink-corpus all` (`make
test-flink-corpus`) replays them all (10 minutes).
"""

from pathlib import Path

import pytest

from streamscore.cases import InlineCase, discover, run_case
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.replay import FlinkCheck, format_diff

CORPUS = Path(__file__).parent / "replay"
CASES = discover(CORPUS)


def _check(result):
    problems = [format_diff(d, "expected", result.engine) for d in result.diffs if not d.equal]
    assert result.passed, result.error or "\n".join(problems)


def test_corpus_is_large_enough():
    assert len(CASES) >= 100
    for case in CASES:
        assert list(case.expected_dir.glob("*.jsonl")) or case.refusal or case.failure or case.rejection, \
            f"{case.name} has no expected rows"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_duckdb(case, project, tmp_path, request):
    # A job Flink refuses is refused by the replay's gate, Flink's check; a job whose run Flink fails may fail
    # by what that check reads in Flink's plan (a sink's time attribute): the case kinds needing the JVM here
    gated = case.rejection or case.failure
    check = FlinkCheck(project, engine=request.getfixturevalue("flink_engine")) if gated else None
    _check(run_case(case, DuckDBEngine(project), tmp_path, check=check))


def test_expected_rows_are_flinks_record_of_the_case_as_it_is():
    recorded = [c for c in CASES if not isinstance(c, InlineCase) and c.rejection is None]
    stale = [c.name for c in recorded if c.recorded_fingerprint != c.fingerprint()]
    assert not stale, f"changed since Flink wrote their expected rows (run `streamscore test CASE --regenerate`): {stale}"


SAMPLE = [c for c in CASES if c in {c.family: c for c in reversed(CASES)}.values()]  # a case of each family


def pytest_generate_tests(metafunc):
    if metafunc.function.__name__ == "test_flink":  # the others' expected rows: the fingerprint test above
        cases = CASES if metafunc.config.getoption("flink_corpus") == "all" else SAMPLE
        metafunc.parametrize("case", cases, ids=[c.name for c in cases])


@pytest.mark.flink
def test_flink(case, flink_engine, tmp_path):
    _check(run_case(case, flink_engine, tmp_path))
