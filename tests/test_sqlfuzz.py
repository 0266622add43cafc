"""The differential fuzzer (tests/sqlfuzz.py) as a gate: random, well-typed expressions of a fixed seed that
nobody wrote, evaluated by Flink and by the DuckDB replay, give the same value (or both fail) wherever the
replay does not refuse them. A longer hunt: `python tests/sqlfuzz.py --count 2000 --seed N`."""

import pytest

import sqlfuzz

SEED = 11
COUNT = 80


def test_the_generator_is_deterministic_and_well_spread():
    first = sqlfuzz.expressions(SEED, COUNT)
    assert first == sqlfuzz.expressions(SEED, COUNT) and len(set(first)) == COUNT
    assert first != sqlfuzz.expressions(SEED + 1, COUNT)
    # every family of rules appears (casts, conditionals, strings, dates, arithmetic)
    text = " ".join(first)
    for marker in ("CAST(", "CASE", "||", "TIMESTAMP", " + "):
        assert marker in text, marker


@pytest.mark.flink
def test_random_expressions_replay_as_flink_evaluates_them(flink_engine, project):
    verdicts = sqlfuzz.run(flink_engine, project, sqlfuzz.expressions(SEED, COUNT))
    assert not verdicts.different, "\n".join(f"{sql}\n    {detail}" for sql, detail in verdicts.different)
    assert verdicts.identical >= COUNT * 3 // 4, verdicts.line()
