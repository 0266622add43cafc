"""Jobs chained through topics replay as a pipeline: the monitoring job reads `flight_score_events`, the topic
the scoring job writes (`flight_scores`); `replay` replays the scoring job first and feeds its rows, in event-time
order, to the monitoring job, with the same result as replaying the two by hand."""

import pandas as pd
import pytest

from streamscore.cli import main
from streamscore.datasets import arrivals, flights, split_by_time, write_jsonl
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError
from streamscore.replay import resolve_inputs


@pytest.fixture
def arrivals_file(small_files, tmp_path):
    path = tmp_path / "arrivals.jsonl"
    write_jsonl(arrivals(split_by_time(flights(), "sched_dep_time", "2013-11-01", "2013-11-04")), path)
    return path


def test_a_job_reading_another_jobs_topic_replays_it_first(project_copy, small_files, arrivals_file, tmp_path,
                                                           capsys):
    root = project_copy.root
    inputs = ["--input", f"flights={small_files['flights']}", "--input", f"weather={small_files['weather']}",
              "--input", f"flight_arrivals={arrivals_file}"]
    assert main(["--project", str(root), "replay", "sql/jobs/model_monitoring.sql", *inputs, "--no-check",
                 "--output", str(tmp_path / "chained")]) == 0
    err = capsys.readouterr().err
    assert "pipeline: flight_delays writes flight_scores, which model_monitoring reads as flight_score_events" in err
    assert "not read by" not in err  # the scoring job's inputs were used, not ignored

    # By hand: the scoring job, its scores in event-time order, then the monitoring job over them.
    engine = DuckDBEngine(project_copy)
    scores = engine.replay(project_copy.job("sql/jobs/flight_delays.sql"), dict(small_files), tmp_path / "scoring")
    ordered = tmp_path / "scores.parquet"
    pd.read_parquet(scores.sinks["flight_scores"]).sort_values("sched_dep_time", kind="stable").to_parquet(ordered)
    by_hand = engine.replay(project_copy.job("sql/jobs/model_monitoring.sql"),
                            {"flight_score_events": ordered, "flight_arrivals": arrivals_file}, tmp_path / "by_hand")
    for sink in ("model_quality", "model_alerts"):
        chained = pd.read_parquet(tmp_path / "chained" / f"{sink}.parquet")
        expected = pd.read_parquet(by_hand.sinks[sink])
        assert len(chained) == len(expected)
        key = list(expected.columns)
        pd.testing.assert_frame_equal(chained.sort_values(key).reset_index(drop=True),
                                      expected.sort_values(key).reset_index(drop=True))
    assert len(pd.read_parquet(tmp_path / "chained" / "model_quality.parquet")) > 0


def test_an_input_given_for_the_topic_wins(project_copy, small_files, arrivals_file, tmp_path):
    scores = tmp_path / "scores.jsonl"
    scores.write_text('{"flight_id": 1, "carrier": "UA", "origin": "EWR", "sched_dep_time": "2013-11-01 06:00:00", '
                      '"delay_risk": 0.5, "model_version": "1"}\n')
    job = project_copy.job("sql/jobs/model_monitoring.sql")
    inputs = resolve_inputs(project_copy, job, {"flight_score_events": scores, "flight_arrivals": arrivals_file})
    assert inputs["flight_score_events"] == scores


def test_jobs_reading_each_other_are_a_cycle(project_copy, arrivals_file):
    # The scoring job now also reads the monitoring job's alerts topic, which is written from its scores.
    scoring = project_copy.root / "sql" / "jobs" / "flight_delays.sql"
    (project_copy.root / "sql" / "alerts_in.sql").write_text(
        "CREATE TABLE alerts_in (metric STRING) WITH ('connector' = 'kafka', 'topic' = 'model_alerts', "
        "'format' = 'json');\n")
    scoring.write_text(scoring.read_text().replace("FROM flight_features", "FROM flight_features "
                                                   "WHERE NOT EXISTS (SELECT 1 FROM alerts_in WHERE metric = 'x')", 1))
    job = project_copy.job("sql/jobs/model_monitoring.sql")
    with pytest.raises(ConfigError, match="cycle: model_monitoring -> flight_delays -> model_monitoring"):
        resolve_inputs(project_copy, job, {"flight_arrivals": arrivals_file})
