"""The MATCH_RECOGNIZE matcher (streamscore.sql.match) without Flink: quantifiers, skips, WITHIN, refusals.

The corpus cases tests/replay/match_* hold what Flink computes; these pin the matcher's rules on small inputs.
"""

import datetime as dt
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from streamscore.errors import EngineError, TranslationError
from streamscore.sql.match import Matcher, read_spec
from streamscore.sql.statements import Statement, parse_job
from streamscore.sql.translate import Translator

T0 = dt.datetime(2024, 1, 1)
STMT = Statement(Path("job.sql"), 1, 1, "", exp.Null())


def spec_of(clause: str):
    tree = sqlglot.parse_one(f"SELECT * FROM t MATCH_RECOGNIZE ({clause})", read="flink")
    return read_spec(tree.find(exp.MatchRecognize), STMT)


def matches(clause: str, values: list, minutes: list | None = None) -> list[str]:
    """Each match as its rows' variables and values, e.g. "A1 B2 C3"."""
    spec = spec_of(clause)
    rows = [{"v": v, "ts": T0 + dt.timedelta(minutes=m)} for v, m in zip(values, minutes or range(len(values)))]
    found = Matcher(spec).run(rows, [r["ts"] for r in rows])
    return [" ".join(f"{link.var}{link.row['v']}" for link in m.rows()) for m in found]


def clause(pattern: str, define: str, skip: str = "PAST LAST ROW", within: str = "") -> str:
    return (f"ORDER BY ts MEASURES A.v AS a AFTER MATCH SKIP {skip} PATTERN ({pattern}) {within} "
            f"DEFINE {define}")


def test_greedy_loop_keeps_rows_the_next_variable_would_take():
    # 5 is both B (> 1) and C (> 4): greedy B+ takes it and every later row; the match ends at the first
    # row only C takes.
    define = "A AS A.v = 1, B AS B.v > 1 AND B.v < 9, C AS C.v > 4"
    assert matches(clause("A B+ C", define), [1, 2, 5, 6, 9]) == ["A1 B2 B5 B6 C9"]
    assert matches(clause("A B+? C", define), [1, 2, 5, 6, 9]) == ["A1 B2 C5"]


def test_greedy_loop_without_a_row_only_the_next_takes_finds_nothing():
    define = "A AS A.v = 1, B AS B.v > 1, C AS C.v > 4"
    assert matches(clause("A B+ C", define), [1, 2, 5, 6]) == []  # no backtracking to B2 C5


def test_range_quantifiers():
    define = "A AS A.v = 0, B AS B.v = 1, C AS C.v = 2"
    values = [0, 1, 1, 1, 2, 0, 1, 2, 0, 1, 1, 1, 1, 2]
    assert matches(clause("A B{2,3} C", define), values) == ["A0 B1 B1 B1 C2"]
    assert matches(clause("A B{1} C", define), values) == ["A0 B1 C2"]
    assert matches(clause("A B{2,} C", define), values) == ["A0 B1 B1 B1 C2", "A0 B1 B1 B1 B1 C2"]
    assert matches(clause("A B* C", define), [0, 2, 0, 1, 2]) == ["A0 C2", "A0 B1 C2"]
    assert matches(clause("A B? C", define), [0, 2, 0, 1, 2, 0, 1, 1, 2]) == ["A0 C2", "A0 B1 C2"]


def test_greedy_range_blocks_the_next_variable_even_at_its_maximum():
    # Flink's NFA adds NOT B to C's conditions for a greedy B{1,2}, also once B has its two rows.
    define = "A AS A.v = 0, B AS B.v >= 1, C AS C.v >= 2"
    assert matches(clause("A B{1,2} C", define), [0, 1, 1, 2]) == []
    assert matches(clause("A B{1,2}? C", define), [0, 1, 1, 2]) == ["A0 B1 B1 C2"]
    assert matches(clause("A B{2} C", define), [0, 1, 1, 2]) == ["A0 B1 B1 C2"]  # {n}: no range, no block


def test_reluctant_last_variable_ends_the_match_at_once():
    define = "A AS A.v = 0, B AS B.v > 0"
    assert matches(clause("A B+?", define), [0, 1, 2, 3]) == ["A0 B1"]
    assert matches(clause("A B{2,}?", define), [0, 1, 2, 3]) == ["A0 B1 B2"]


def test_after_match_skip_variants():
    define = "B AS B.v > A.v, C AS C.v < A.v"
    values = [1, 2, 3, 0, 5, 6, -1]
    every = ["A1 B2 B3 C0", "A2 B3 C0", "A0 B5 B6 C-1", "A5 B6 C-1"]
    assert matches(clause("A B+ C", define, "PAST LAST ROW"), values) == ["A1 B2 B3 C0", "A5 B6 C-1"]
    assert matches(clause("A B+ C", define, "TO NEXT ROW"), values) == every
    assert matches(clause("A B+ C", define, "TO LAST B"), values) == ["A1 B2 B3 C0", "A0 B5 B6 C-1"]
    assert matches(clause("A B+ C", define, "TO FIRST B"), values) == every


def test_a_later_match_waits_for_an_earlier_partial_match():
    # A=100 keeps taking B rows; the match starting at 10 completes first but is reported only once the
    # earlier partial match ends (here: it dies at the NULL), and then SKIP PAST LAST ROW does not drop it.
    define = "B AS B.v <= A.v, C AS C.v > A.v"
    assert matches(clause("A B+ C", define), [100, 10, 5, 50, None]) == ["A10 B5 C50"]
    # Without WITHIN, a partial match still running at the end keeps it from being reported at all...
    assert matches(clause("A B+ C", define), [100, 10, 5, 50]) == []
    # ...and with WITHIN Flink reports it (or not) by its watermarks once the partial match times out: refused.
    with pytest.raises(EngineError, match="by its watermarks"):
        matches(clause("A B+ C", define, within="WITHIN INTERVAL '1' HOUR"), [100, 10, 5, 50])
    with pytest.raises(EngineError, match="WITHIN drops"):
        matches(clause("A B+ C", define, within="WITHIN INTERVAL '4' MINUTE"), [100, 10, 5, 50, 1, 1])


def test_a_held_match_is_reported_at_the_row_that_frees_it():
    spec = spec_of(clause("A B+ C", "B AS B.v <= A.v, C AS C.v > A.v"))
    rows = [{"v": v, "ts": T0 + dt.timedelta(minutes=m)} for m, v in enumerate([100, 10, 5, 50, None])]
    [match] = Matcher(spec).run(rows, [r["ts"] for r in rows])
    assert match.rows()[-1].position == 3 and match.reported == 4  # MATCH_ROWTIME(): the NULL row's time


def test_within_drops_partial_matches_as_old_as_the_interval():
    define = "B AS B.v > A.v, C AS C.v > B.v"
    within = "WITHIN INTERVAL '10' MINUTE"
    assert matches(clause("A B C", define, within=within), [1, 2, 3], [0, 5, 10]) == []
    assert matches(clause("A B C", define, within=within), [1, 2, 3], [0, 5, 9]) == ["A1 B2 C3"]


def test_define_navigation():
    # LAST(B.v, 1): B's row before the current; LAST(v, 2): the match's row two before the current.
    down = ("B AS (LAST(B.v, 1) IS NULL AND B.v < A.v) OR B.v < LAST(B.v, 1), "
            "C AS C.v > LAST(B.v)")
    assert matches(clause("A B+ C", down, "TO LAST C"), [9, 7, 5, 6, 4, 8]) == ["A9 B7 B5 C6", "A6 B4 C8"]
    assert matches(clause("A B C", "C AS C.v > LAST(v, 2) AND FIRST(v) = 1"), [1, 0, 2, 2, 0, 3]) == ["A1 B0 C2"]
    assert matches(clause("A+ B", "A AS SUM(A.v) < 10 AND COUNT(A.v) <= 3"), [4, 4, 4, 1, 1]) == ["A4 A4 B4"]


def test_the_default_skip_is_to_next_row():
    overlapping = "ORDER BY ts MEASURES A.v AS a PATTERN (A B) DEFINE B AS B.v > A.v"
    spec = spec_of(overlapping)
    assert spec.skip == ("TO NEXT ROW", None)


def test_null_conditions_are_false():
    assert matches(clause("A B", "B AS B.v > A.v"), [1, None, 2, 3]) == ["A2 B3"]


@pytest.mark.parametrize("text, message", [
    ("ORDER BY ts MEASURES A.v AS a ALL ROWS PER MATCH PATTERN (A) DEFINE A AS A.v > 1", "ALL ROWS PER MATCH"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A | B) DEFINE A AS A.v > 1", r"alternation \(\|\)"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN ((A B)+ C) DEFINE A AS A.v > 1", "grouping"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B+) DEFINE A AS A.v > 1", "greedy quantifier"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B*?) DEFINE A AS A.v > 1", "optional"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B?? C) DEFINE A AS A.v > 1", r"quantifier \?\?"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B A) DEFINE A AS A.v > 1", "appears twice"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B) DEFINE B AS UPPER(B.v) = 'X'", "UPPER in DEFINE"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B) DEFINE B AS B.v > PREV(B.v)", "PREV is a physical offset"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B) DEFINE B AS B.v > X.v", "X is not a pattern variable"),
    ("ORDER BY ts MEASURES A.v AS a PATTERN (A B) DEFINE B AS B.v > LAST(B.v, A.v)", "only a constant"),
    ("ORDER BY ts DESC MEASURES A.v AS a PATTERN (A B) DEFINE B AS B.v > 1", "event time ascending"),
    ("ORDER BY ts MEASURES A.v AS a AFTER MATCH SKIP TO FIRST Z PATTERN (A B) DEFINE B AS B.v > 1",
     "Z: not a variable"),
])
def test_refusals_name_the_construct(text, message):
    with pytest.raises(TranslationError, match=message):
        spec_of(text)


def test_skip_to_the_first_row_fails_as_flinks_job_does():
    with pytest.raises(EngineError, match="Could not skip to first element"):
        matches(clause("A B", "B AS B.v > A.v", "TO FIRST A"), [1, 2])


JOB = """
CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE TABLE out (k STRING, a INT) WITH ('connector' = 'blackhole');
INSERT INTO out SELECT * FROM t MATCH_RECOGNIZE (
  PARTITION BY k ORDER BY ts MEASURES {measure} AS a PATTERN (A B) DEFINE B AS B.v > A.v);
"""


@pytest.mark.parametrize("measure, message", [
    ("CLASSIFIER()", "CLASSIFIER in MEASURES"),
    ("PREV(A.v)", "PREV in MEASURES"),
    ("SUM(A.v + B.v)", "several variables"),
    ("COUNT(DISTINCT A.v)", "DISTINCT"),
])
def test_measures_outside_the_replay_are_refused(tmp_path, measure, message):
    path = tmp_path / "job.sql"
    path.write_text(JOB.format(measure=measure))
    job = parse_job(path, [])
    with pytest.raises(TranslationError, match=message):
        Translator(job).query(job.inserts[0].query, job.inserts[0].statement)


def test_measures_become_aggregates_over_a_match_table(tmp_path):
    path = tmp_path / "job.sql"
    path.write_text(JOB.format(measure="LAST(B.v) - FIRST(A.v)"))
    job = parse_job(path, [])
    translator = Translator(job)
    sql = translator.query(job.inserts[0].query, job.inserts[0].statement).sql("duckdb")
    assert "__match_1" in sql and "FILTER" in sql and "GROUP BY" in sql
    assert [m.name for m in translator.matches] == ["__match_1"] and translator.matches[0].arrival


def test_two_matches_of_one_start_ending_together_are_refused():
    # At row 2, A0 X1 C2 and A0 Y1 C2 complete together: Flink's queue reports either.
    with pytest.raises(EngineError, match="Flink reports either"):
        matches(clause("A X{0,2}? Y{0,2}? C", "A AS A.v = 0, C AS C.v = 2"), [0, 1, 2])
    assert matches(clause("A X{0,2}? Y{0,2}? C", "A AS A.v = 0, Y AS Y.v = 9, C AS C.v = 2"), [0, 1, 2]) == \
        ["A0 X1 C2"]
