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
    assert summary["days_monitored"] == 61 and "model_quality: 61 rows, equal" in out  # Nov-Dec, Flink = DuckDB
    assert 0.5 < summary["daily_auc_median"] < 0.9 and summary["monitoring_alerts"] > 0
    assert (project_copy.root / "udfs" / "models" / "delay_risk_challenger.txt").exists()
    assert (project_copy.root / "udfs" / "models" / "delay_risk.txt").exists()


def test_run_with_the_kafka_profile_and_no_broker_is_a_clear_error(project_copy, capsys):
    from streamscore.cli import main
    from streamscore.kafka.broker import free_port

    (project_copy.root / "connectors" / "elsewhere.toml").write_text(
        f'kind = "kafka"\nbootstrap_servers = "127.0.0.1:{free_port()}"\n')
    code = main(["--project", str(project_copy.root), "run", "sql/jobs/flight_delays.sql", "--profile", "elsewhere",
                 "--bounded"])
    assert code == 2
    assert "cannot reach Kafka" in capsys.readouterr().err


def test_run_starts_the_local_broker_and_creates_topics(project_copy, capsys):
    from streamscore.cli import main
    from streamscore.kafka.broker import BrokerService, free_port, port_open
    from streamscore.kafka.client import partitions_of

    port = free_port()
    service = BrokerService(project_copy.root / ".streamscore")
    try:
        # --bounded: the new topics are empty, so the job reads up to their (empty) ends and finishes
        code = main(["--project", str(project_copy.root), "run", "sql/jobs/flight_delays.sql",
                     "--bootstrap-servers", f"127.0.0.1:{port}", "--bounded"])
        assert code == 0
        assert port_open(port) and service.status()[1] == port
        for topic in ("flights", "weather", "flight_scores", "delay_alerts"):
            assert partitions_of(f"127.0.0.1:{port}", topic) == [0]
        out = capsys.readouterr().out
        assert f"started the local broker on 127.0.0.1:{port}" in out and "FINISHED" in out
    finally:
        service.stop()
    assert not port_open(port)
