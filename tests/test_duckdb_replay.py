"""The flights job replayed on DuckDB, checked against independent pandas computations."""

import pandas as pd
import pytest

from streamscore.cli import main
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError, EngineError


@pytest.fixture(scope="module")
def replayed(project, flights_job, small_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("duckdb-replay")
    result = DuckDBEngine(project).replay(flights_job, small_files, out)
    return {sink: pd.read_parquet(path) for sink, path in result.sinks.items()}


@pytest.fixture(scope="module")
def inputs(small_files):
    flights = pd.read_json(small_files["flights"], lines=True, convert_dates=["sched_dep_time"])
    weather = pd.read_json(small_files["weather"], lines=True, convert_dates=["obs_time"])
    return flights, weather


def test_every_flight_scored_once(replayed, inputs):
    flights, _ = inputs
    scores = replayed["flight_scores"]
    assert sorted(scores["flight_id"]) == sorted(flights["flight_id"])
    assert scores["delay_risk"].notna().all()
    assert scores["delay_risk"].between(0, 1).all()


def test_departures_in_the_previous_hour(replayed, inputs):
    flights, _ = inputs
    scores = replayed["flight_scores"].set_index("flight_id")
    for _, flight in flights.sample(200, random_state=1).iterrows():
        same = flights[(flights.origin == flight.origin)
                       & (flights.sched_dep_time >= flight.sched_dep_time - pd.Timedelta(hours=1))
                       & (flights.sched_dep_time <= flight.sched_dep_time)]
        assert scores.loc[flight.flight_id, "origin_departures_1h"] == len(same)


def test_weather_is_the_latest_reading_at_departure(replayed, inputs):
    flights, weather = inputs
    scores = replayed["flight_scores"].set_index("flight_id")
    for _, flight in flights.sample(200, random_state=2).iterrows():
        readings = weather[(weather.origin == flight.origin) & (weather.obs_time <= flight.sched_dep_time)]
        expected = readings.sort_values("obs_time").iloc[-1]["temp"] if len(readings) else None
        got = scores.loc[flight.flight_id, "temp"]
        assert (pd.isna(got) and pd.isna(expected)) or got == expected


def test_alerts_are_hours_with_three_high_risk_flights(replayed):
    scores = replayed["flight_scores"]
    high = scores[scores.delay_risk >= 0.5].assign(window_start=lambda f: f.sched_dep_time.dt.floor("h"))
    grouped = high.groupby(["origin", "window_start"]).delay_risk.agg(["count", "mean", "max"]).reset_index()
    expected = grouped[grouped["count"] >= 3].sort_values(["origin", "window_start"]).reset_index(drop=True)
    alerts = replayed["delay_alerts"].sort_values(["origin", "window_start"]).reset_index(drop=True)
    assert len(alerts) == len(expected) > 0
    assert (alerts.window_end - alerts.window_start == pd.Timedelta(hours=1)).all()
    assert list(alerts.high_risk_flights) == list(expected["count"])
    assert alerts.avg_risk.to_numpy() == pytest.approx(expected["mean"].to_numpy(), abs=1e-12)
    assert list(alerts.max_risk) == list(expected["max"])


def test_sink_columns_as_declared(replayed, flights_job):
    for sink in flights_job.sinks:
        assert list(replayed[sink.name].columns) == [c.name for c in sink.columns]


def test_missing_input_is_a_clear_error(project, flights_job, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        DuckDBEngine(project).replay(flights_job, {"flights": tmp_path / "nope.jsonl",
                                                   "weather": tmp_path / "nope.jsonl"}, tmp_path)


def test_cli_replay_and_translate(project, small_files, tmp_path, capsys):
    args = ["--project", str(project.root), "replay", "sql/jobs/flight_delays.sql",
            "--input", f"flights={small_files['flights']}", "--input", f"weather={small_files['weather']}",
            "--output", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"-> {tmp_path / 'flight_scores.parquet'}" in out
    assert len(pd.read_parquet(tmp_path / "flight_scores.parquet")) == sum(1 for _ in open(small_files["flights"]))
    assert main(["--project", str(project.root), "translate", "sql/jobs/flight_delays.sql"]) == 0
    assert "ASOF LEFT JOIN" in capsys.readouterr().out


def test_cli_error_is_one_line_and_exit_2(project, capsys):
    assert main(["--project", str(project.root), "replay", "sql/jobs/flight_delays.sql",
                 "--input", "flights=no-such-file.jsonl", "--input", "weather=no-such-file.jsonl"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "no-such-file.jsonl" in err and "\n" not in err


LATE_JOB = """
CREATE TABLE readings (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
CREATE TABLE results (id INT, n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO results
SELECT id, COUNT(*) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW) FROM readings;
"""


def test_late_rows_are_decided_per_operator_or_as_told(project, tmp_path):
    from streamscore.sql.statements import parse_job

    seconds = [0, 5, 30, 22, 19, 40, 29, 41]  # arrival order; watermark = max so far - 10 s
    (tmp_path / "readings.jsonl").write_text("".join(
        f'{{"id": {i}, "ts": "2024-01-01 00:00:{s:02d}.000"}}\n' for i, s in enumerate(seconds)))
    late, mark = set(), None
    for i, s in enumerate(seconds):
        if mark is not None and s <= mark:
            late.add(i)
        mark = max(mark if mark is not None else s - 10, s - 10)
    assert late == {4, 6}  # 19 after 30 (mark 20); 29 after 40 (mark 30)
    (tmp_path / "job.sql").write_text(LATE_JOB)
    job = parse_job(tmp_path / "job.sql")
    inputs = {"readings": tmp_path / "readings.jsonl"}
    # Flink's bounded OVER drops a row not newer than the last timer fired: 19 arrives while the watermark
    # (20) has fired only the timers of 0 and 5, so it is kept; 29 arrives after 30's timer fired (mark 30).
    decided = DuckDBEngine(project).replay(job, inputs, tmp_path / "decided")
    assert set(pd.read_parquet(decided.sinks["results"])["id"]) == set(range(len(seconds))) - {6}
    assert decided.late_dropped == {"OverAggregate": 1}
    kept = DuckDBEngine(project, keep_late=True).replay(job, inputs, tmp_path / "all")
    dropped = DuckDBEngine(project, drop_late=True).replay(job, inputs, tmp_path / "dropped")
    assert kept.late_rows == dropped.late_rows == decided.late_rows == {"readings": len(late)}
    assert kept.rows["results"] == len(seconds)
    ids = set(pd.read_parquet(dropped.sinks["results"])["id"])
    assert ids == set(range(len(seconds))) - late


def test_evaluate_per_group_matches_pandas(project, small_files, tmp_path, capsys):
    import numpy as np

    from streamscore.models.evaluate import evaluate
    from streamscore.models.train import auc

    replayed = DuckDBEngine(project).replay(project.job("sql/jobs/flight_delays.sql"), small_files, tmp_path)
    rows = evaluate(replayed.sinks["flight_scores"], ["delay_risk"], "arr_delay >= 15", by="origin")
    frame = pd.read_parquet(replayed.sinks["flight_scores"]).dropna(subset=["arr_delay"])
    assert [r["origin"] for r in rows] == sorted(frame.origin.unique())
    for row in rows:
        part = frame[frame.origin == row["origin"]]
        labels = (part.arr_delay >= 15).to_numpy(dtype=float)
        assert row["rows"] == len(part)
        assert row["auc"] == pytest.approx(auc(labels, part.delay_risk.to_numpy()), abs=1e-6)
        assert row["rmse"] == pytest.approx(float(np.sqrt(((part.delay_risk - labels) ** 2).mean())), abs=1e-6)
    assert rows[0]["unlabelled_rows"] == len(pd.read_parquet(replayed.sinks["flight_scores"])) - len(frame)
    args = ["--project", str(project.root), "evaluate", "sql/jobs/flight_delays.sql", "--sink", "flight_scores",
            "--score", "delay_risk", "--label", "arr_delay >= 15", "--output", str(tmp_path / "cli"),
            "--input", f"flights={small_files['flights']}", "--input", f"weather={small_files['weather']}"]
    assert main(args) == 0
    assert "delay_risk" in capsys.readouterr().out


def test_translate_a_corpus_case_uses_its_corpus_tables(project, capsys):
    assert main(["--project", str(project.root), "translate", "tests/replay/fn_cast_to_string/job.sql"]) == 0
    out = capsys.readouterr().out
    assert "read_json" in out and "__FLINK_DOUBLE_TO_STRING(samples.n)" in out
