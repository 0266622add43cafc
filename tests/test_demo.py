"""`make demo` end to end, in a copy of the project: train, produce, stream on Flink, replay check."""

import pytest

from streamscore.demo import run_demo

pytestmark = [pytest.mark.flink, pytest.mark.kafka]


def test_demo(project_copy, capsys):
    summary = run_demo(project_copy)
    out = capsys.readouterr().out
    live = sum(1 for _ in open(project_copy.root / "data" / "flights_live.jsonl"))
    assert summary["flights_scored"] == live > 50_000
    assert summary["alerts"] > 0
    assert summary["validation_auc"] > 0.6
    assert summary["replay_matches"]
    assert f"flight_scores: {live:,} rows, equal" in out
    assert (project_copy.root / "udfs" / "models" / "delay_risk.txt").exists()


def test_run_without_a_broker_is_a_clear_error(project, capsys):
    from streamscore.cli import main
    from streamscore.kafka.broker import free_port

    code = main(["--project", str(project.root), "run", "sql/jobs/flight_delays.sql",
                 "--bootstrap-servers", f"127.0.0.1:{free_port()}", "--bounded"])
    assert code == 2
    assert "cannot reach Kafka" in capsys.readouterr().err
