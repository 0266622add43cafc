"""The replay corpus (tests/replay/): every case on DuckDB and on Flink against Flink's expected rows.

A case passes only when both engines give the expected rows; expected rows were written by Flink
(`streamscore test --regenerate`) and are committed.
"""

from pathlib import Path

import pytest

from streamscore.cases import discover, run_case
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
        assert list(case.expected_dir.glob("*.jsonl")) or case.refusal or case.rejection, \
            f"{case.name} has no expected rows"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_duckdb(case, project, tmp_path, request):
    # A job Flink refuses is refused by the replay's gate: Flink's check (the only case kind needing the JVM here)
    check = FlinkCheck(project, engine=request.getfixturevalue("flink_engine")) if case.rejection else None
    _check(run_case(case, DuckDBEngine(project), tmp_path, check=check))


@pytest.mark.flink
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_flink(case, flink_engine, tmp_path):
    _check(run_case(case, flink_engine, tmp_path))
