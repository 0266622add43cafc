"""The same job on the Flink mini-cluster (the oracle) over files, compared with DuckDB."""

import duckdb
import pandas as pd
import pytest

from streamscore.cli import main
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.replay import compare_results, format_diff

pytestmark = pytest.mark.flink


def test_nov_dec_scores_and_alerts_match_duckdb(project, flights_job, flink_engine, demo_files, tmp_path):
    """Every flight of November-December gets the same score (1e-9) and the same alert windows."""
    inputs = {"flights": demo_files["flights_live"], "weather": demo_files["weather"]}
    flink = flink_engine.replay(flights_job, inputs, tmp_path / "flink")
    duck = DuckDBEngine(project).replay(flights_job, inputs, tmp_path / "duckdb")
    flights = sum(1 for _ in open(demo_files["flights_live"]))
    assert flink.rows["flight_scores"] == duck.rows["flight_scores"] == flights
    assert flink.rows["delay_alerts"] > 50
    diffs = compare_results(flink, duck, tolerance=1e-9)
    assert all(d.equal for d in diffs), "\n".join(format_diff(d, "flink", "duckdb") for d in diffs)


def test_parquet_and_csv_inputs(project, flights_job, flink_engine, small_files, tmp_path):
    parquet, csv = tmp_path / "flights.parquet", tmp_path / "weather.csv"
    duckdb.sql(f"COPY (SELECT * FROM read_json('{small_files['flights']}')) TO '{parquet}' (FORMAT parquet)")
    duckdb.sql(f"COPY (SELECT * FROM read_json('{small_files['weather']}')) TO '{csv}' (FORMAT csv, HEADER)")
    inputs = {"flights": parquet, "weather": csv}
    flink = flink_engine.replay(flights_job, inputs, tmp_path / "flink")
    duck = DuckDBEngine(project).replay(flights_job, inputs, tmp_path / "duckdb")
    assert flink.rows["flight_scores"] == len(pd.read_parquet(parquet))
    assert all(d.equal for d in compare_results(flink, duck))


def test_verify_command(project, small_files, tmp_path, capsys):
    args = ["--project", str(project.root), "verify", "sql/jobs/flight_delays.sql", "--output", str(tmp_path),
            "--input", f"flights={small_files['flights']}", "--input", f"weather={small_files['weather']}"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "flight_scores:" in out and "delay_alerts:" in out and "DIFFERENT" not in out


def test_verify_shows_a_difference(project, small_files, tmp_path, capsys, monkeypatch):
    """A DuckDB-side semantic bug must be caught: count DAYOFWEEK from 0 as DuckDB does, and verify fails."""
    from streamscore.sql import translate

    monkeypatch.setitem(translate.FUNCTIONS, "DAYOFWEEK", "CAST(dayofweek({0}) AS BIGINT)")
    args = ["--project", str(project.root), "verify", "sql/jobs/flight_delays.sql", "--output", str(tmp_path),
            "--input", f"flights={small_files['flights']}", "--input", f"weather={small_files['weather']}"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "flight_scores: DIFFERENT" in out and "only in flink" in out


def test_java_messages_come_from_the_py4j_error_pyflink_wraps():
    from streamscore.engines.flink import _java_message

    try:
        try:
            raise RuntimeError("An error occurred while calling o1.execute.\n: org.apache.flink.table.api."
                               "ValidationException: Column types do not match.\nCause: Different number of columns."
                               "\n\tat org.apache.flink.table.planner.Foo.bar(Foo.java:1)")
        except RuntimeError:
            raise ValueError("An error occurred while calling o1.execute.")  # what PyFlink raises
    except ValueError as error:
        assert _java_message(error) == ("org.apache.flink.table.api.ValidationException: Column types do not match. "
                                        "Cause: Different number of columns.")


@pytest.mark.flink
def test_a_jobs_settings_do_not_outlive_it(flink_engine, tmp_path):
    """One job SETs the sink NOT NULL enforcer to DROP; the next job on the shared engine, which sets nothing,
    gets Flink's default again (ERROR: its NULL customer fails it), though a run leaves its settings in the
    shared execution environment."""
    from pathlib import Path

    from streamscore.cases import discover
    from streamscore.errors import EngineError

    corpus = Path(__file__).parent / "replay"
    dropping, failing = (discover(corpus / name)[0] for name in ("ddl_sink_not_null_dropped",
                                                                  "ddl_sink_not_null"))
    job = dropping.job()
    assert flink_engine.replay(job, dropping.inputs(job), tmp_path / "a").rows == {"customer_orders": 23}
    job = failing.job()
    with pytest.raises(EngineError, match="is NOT NULL, however, a null value"):
        flink_engine.replay(job, failing.inputs(job), tmp_path / "b")
    assert flink_engine.t_env.get_config().get("table.exec.sink.not-null-enforcer", None) == "ERROR"
