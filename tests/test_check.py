"""The gate before Flink: what Flink's planner rejects, a replay rejects (with Flink's message at its place),
and what Flink runs is never blocked by the replay's parser. (The jobs Flink refuses, one per kind, are the
replay corpus' group tests/replay/rejected/, run on both engines by test_replay_corpus.)
"""

from pathlib import Path

import pandas as pd
import pytest

from streamscore.cli import main
from streamscore.errors import StreamscoreError
from streamscore.sql.statements import REPLAY_CANNOT, parse_job

ROOT = Path(__file__).resolve().parent.parent
TABLES = ROOT / "tests" / "replay" / "tables.sql"
INPUTS = ROOT / "tests" / "replay" / "inputs"
MATCH_CASE = ROOT / "tests" / "replay" / "match_recognize_within" / "job.sql"
UNPARSED_CASE = ROOT / "tests" / "replay" / "unparsed_json_array" / "job.sql"


@pytest.mark.flink
def test_replay_refuses_what_flink_rejects(capsys):
    """The DuckDB replay alone would give rows for this job (two OVER frames); the checked replay refuses it."""
    case = ROOT / "tests" / "replay" / "rejected" / "over_different_frames" / "job.sql"
    args = ["--project", str(ROOT), "replay", str(case), "--input", f"orders={INPUTS / 'orders.jsonl'}",
            "--output", str(ROOT / "build" / "test-check")]
    assert main([*args, "--no-check"]) == 0  # the hole the gate closes
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{case}:4:1: Flink rejected the statement" in err and "same window" in err


@pytest.mark.flink
def test_flink_runs_what_the_replay_cannot_parse(tmp_path, capsys):
    """JSON_ARRAY(... ABSENT ON NULL): the replay's parser cannot read it; Flink gets it as written."""
    inputs = ["--input", f"orders={INPUTS / 'orders.jsonl'}"]
    assert main(["--project", str(ROOT), "replay", str(UNPARSED_CASE), "--engine", "flink", *inputs,
                 "--output", str(tmp_path)]) == 0
    rows = pd.read_parquet(tmp_path / "tagged.parquet")
    orders = pd.read_json(INPUTS / "orders.jsonl", lines=True)
    assert sorted(rows["order_id"]) == sorted(orders["order_id"]) and len(rows)
    capsys.readouterr()
    assert main(["--project", str(ROOT), "replay", str(UNPARSED_CASE), *inputs]) == 2  # Flink plans it; DuckDB cannot
    err = capsys.readouterr().err
    assert f"{UNPARSED_CASE}:4:1: {REPLAY_CANNOT}: cannot parse statement" in err


@pytest.mark.flink
def test_match_recognize_within_replays_as_flink_runs_it(tmp_path):
    """MATCH_RECOGNIZE ... WITHIN: Flink's matches, the replay's and the pattern computed directly agree."""
    inputs = ["--input", f"orders={INPUTS / 'orders.jsonl'}"]
    for engine in ("flink", "duckdb"):
        assert main(["--project", str(ROOT), "replay", str(MATCH_CASE), "--engine", engine, *inputs,
                     "--output", str(tmp_path / engine)]) == 0
        rows = pd.read_parquet(tmp_path / engine / "currency_hops.parquet")
        assert rows.sort_values("first_order").to_dict("records") == _currency_hops(INPUTS / "orders.jsonl")


def _currency_hops(path: Path) -> list[dict]:
    """The pattern of the MATCH_RECOGNIZE case computed directly: per customer in time order, three
    consecutive orders in three currencies within 30 minutes, matching again after the last row."""
    orders = pd.read_json(path, lines=True, dtype={"ts": "datetime64[ns]"}).sort_values("ts")
    found = []
    for customer, rows in orders.groupby("customer", sort=False):
        rows, i = rows.to_dict("records"), 0
        while i + 2 < len(rows):
            a, b, c = rows[i:i + 3]
            if len({a["currency"], b["currency"], c["currency"]}) == 3 and \
                    c["ts"] - a["ts"] <= pd.Timedelta(minutes=30):
                found.append({"customer": customer, "first_order": a["order_id"], "last_order": c["order_id"],
                              "first_currency": a["currency"], "last_currency": c["currency"], "started": a["ts"]})
                i += 3
            else:
                i += 1
    return sorted(found, key=lambda r: r["first_order"])


def test_unparsed_statements_keep_their_kind_and_tables():
    job = parse_job(UNPARSED_CASE, [TABLES])
    assert [s.line for s in job.unparsed] == [4]
    assert job.inserts[0].query is None
    assert [t.name for t in job.sources] == ["orders"]
    assert [t.name for t in job.sinks] == ["tagged"]


def test_a_statement_of_unknown_kind_still_fails_to_parse(tmp_path):
    job = tmp_path / "job.sql"
    job.write_text("SELECT FROM WHERE (;")
    with pytest.raises(StreamscoreError, match="cannot parse statement"):
        parse_job(job, [TABLES])


@pytest.mark.flink
def test_check_command_plans_the_demo_jobs(capsys):
    jobs = sorted(str(p) for p in (ROOT / "sql" / "jobs").glob("*.sql"))
    assert main(["--project", str(ROOT), "check", *jobs]) == 0
    out = capsys.readouterr().out
    assert out.count("ok   ") == len(jobs)


@pytest.mark.flink
def test_late_rows_are_decided_as_flinks_window_does(project, flink_engine, tmp_path):
    """A row behind the watermark whose window has fired: Flink (a watermark after every record) drops it, and
    so does the DuckDB replay by default; keeping every row (--keep-late) counts it."""
    from streamscore.engines.duckdb import DuckDBEngine

    case = ROOT / "tests" / "replay" / "late_window_fired"
    job = project.job(case / "job.sql")
    inputs = {"orders": case / "inputs" / "orders.jsonl"}
    flink = pd.read_parquet(flink_engine.replay(job, inputs, tmp_path / "flink").sinks["minute_counts"])
    assert sorted(flink["orders"]) == [1, 2, 2]  # 09:00 counts orders 1 and 2 only
    decided = DuckDBEngine(project).replay(job, inputs, tmp_path / "default")
    assert sorted(pd.read_parquet(decided.sinks["minute_counts"])["orders"]) == [1, 2, 2]
    assert decided.late_dropped == {"WindowAggregate": 1}
    kept = pd.read_parquet(DuckDBEngine(project, keep_late=True).replay(job, inputs, tmp_path / "kept")
                           .sinks["minute_counts"])
    assert sorted(kept["orders"]) == [1, 2, 3]


def test_the_sinks_flink_stamps_with_a_time_attribute_are_read_from_its_execution_plan():
    from streamscore.engines.flink import sink_timestamps

    # the shape of Flink 2.3's JSON execution plan: the inserter carries its sink's node id
    plan = '''{"nodes" : [ {"id" : 16, "contents" : "[16]:Calc(select=[order_id, carrier, shipped_at])"},
      {"id" : 17, "contents" : "[17]:StreamRecordTimestampInserter(rowtime field: 2)"},
      {"id" : 21, "contents" : "shipped_in_time[10]: Writer"},
      {"id" : 24, "contents" : "order_shipping[17]: Writer"} ]}'''
    assert sink_timestamps(plan) == {"order_shipping": 2}
