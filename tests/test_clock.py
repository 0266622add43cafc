"""The replay's clock (streamscore.sql.clock): CURRENT_TIMESTAMP and its kin read a stated instant on both
replay engines, refused without one; the CLI's --clock and connectors/replay.toml's `clock`."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError, TranslationError
from streamscore.project import Project
from streamscore.replay import compare_tables
from streamscore.sql.clock import parse_clock, with_clock
from streamscore.sql.statements import parse_job

CORPUS = Path(__file__).parent / "replay"
INPUTS = {"orders": CORPUS / "inputs" / "orders.jsonl"}
JOB = """
SET 'table.local-time-zone' = 'Asia/Kolkata';
CREATE TABLE stamped (order_id BIGINT, seen TIMESTAMP(3), seen_at TIMESTAMP_LTZ(3), today DATE, tod TIME(0),
                      age_minutes BIGINT, recent BOOLEAN) WITH ('connector' = 'blackhole');
CREATE TEMPORARY VIEW fresh AS SELECT * FROM orders WHERE ts > LOCALTIMESTAMP - INTERVAL '40' MINUTE;
INSERT INTO stamped
SELECT order_id, LOCALTIMESTAMP, CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIME,
       TIMESTAMPDIFF(MINUTE, ts, LOCALTIMESTAMP), ts > NOW() - INTERVAL '1' HOUR
FROM fresh;
"""
CLOCK = "2024-03-10T09:55:00.250+05:30"  # orders' ts are Kolkata wall times from 09:01 to 09:59


def _job(tmp_path):
    path = tmp_path / "job.sql"
    path.write_text(JOB)
    return parse_job(path, [CORPUS / "tables.sql"])


def test_without_a_clock_the_replay_names_the_option(tmp_path):
    with pytest.raises(TranslationError, match=r"job.sql:5:\d+: LOCALTIMESTAMP reads the wall clock.*--clock"):
        DuckDBEngine(Project(Path(__file__).parent.parent)).replay(_job(tmp_path), INPUTS, tmp_path / "out")


def test_clocks_are_instants():
    assert parse_clock("2024-03-10T10:00:00Z") == dt.datetime(2024, 3, 10, 10, tzinfo=dt.timezone.utc)
    assert parse_clock("2024-03-10 10:00:00") == dt.datetime(2024, 3, 10, 10, tzinfo=dt.timezone.utc)
    with pytest.raises(ConfigError, match="ISO 8601"):
        parse_clock("yesterday")


@pytest.mark.flink
def test_both_engines_read_the_stated_clock(project, flink_engine, tmp_path):
    """Local functions in the job's time zone, TIME in whole seconds, a view filtering on the clock: Flink's
    replay of the rewritten job equals DuckDB's, and both equal the clock computed here."""
    job = with_clock(_job(tmp_path), parse_clock(CLOCK))
    duck = pd.read_parquet(DuckDBEngine(project).replay(job, INPUTS, tmp_path / "duckdb").sinks["stamped"])
    flink = pd.read_parquet(flink_engine.replay(job, INPUTS, tmp_path / "flink").sinks["stamped"])
    assert compare_tables("stamped", flink, duck, 1e-9).equal

    instant = parse_clock(CLOCK)
    local = instant.astimezone(ZoneInfo("Asia/Kolkata")).replace(tzinfo=None)
    orders = pd.read_json(INPUTS["orders"], lines=True, dtype={"ts": "datetime64[ns]"})
    fresh = orders[orders.ts > local - dt.timedelta(minutes=40)]
    assert 0 < len(duck) == len(fresh) < len(orders)
    assert set(duck.seen) == {pd.Timestamp(local)} and set(duck.today) == {local.date()}
    assert set(duck.seen_at) == {pd.Timestamp(instant)} and set(duck.tod) == {dt.time(9, 55)}
    # TIMESTAMPDIFF counts whole minutes toward zero (an order after the clock: 0, not -1)
    minutes = {r.order_id: int((local - r.ts.to_pydatetime()).total_seconds() / 60) for r in fresh.itertuples()}
    assert dict(zip(duck.order_id, duck.age_minutes)) == minutes and duck.recent.all()


def test_the_cli_takes_the_clock_from_the_option_or_the_replay_profile(tmp_path, capsys):
    from streamscore.cli import main

    root = tmp_path / "shop"
    assert main(["init", str(root)]) == 0
    (root / "sql" / "jobs" / "stamped.sql").write_text(
        "CREATE TABLE stamped (order_id BIGINT, seen TIMESTAMP_LTZ(3)) WITH ('connector' = 'blackhole');\n"
        "INSERT INTO stamped SELECT order_id, CURRENT_TIMESTAMP FROM orders;\n")
    args = ["--project", str(root), "replay", "sql/jobs/stamped.sql", "--no-check"]
    assert main(args) == 2 and "CURRENT_TIMESTAMP reads the wall clock" in capsys.readouterr().err
    assert main([*args, "--clock", "2024-01-15T10:00:00Z"]) == 0
    seen = pd.read_parquet(root / "build" / "replay" / "stamped" / "duckdb" / "stamped.parquet").seen
    assert set(seen) == {pd.Timestamp("2024-01-15T10:00:00Z")}
    replay_toml = root / "connectors" / "replay.toml"
    replay_toml.write_text('clock = "2024-01-16T00:00:00+01:00"\n' + replay_toml.read_text())
    assert main(args) == 0
    seen = pd.read_parquet(root / "build" / "replay" / "stamped" / "duckdb" / "stamped.parquet").seen
    assert set(seen) == {pd.Timestamp("2024-01-15T23:00:00Z")}
