"""Through a real broker process on 127.0.0.1: topics, offsets, and the job from topic to topic."""

import dataclasses
import json

import pandas as pd
import pytest

from streamscore.engines.duckdb import DuckDBEngine
from streamscore.kafka.broker import BrokerService, free_port, port_open
from streamscore.kafka.client import end_offsets, ensure_topics, produce_jsonl, read_topic
from streamscore.kafka.dead_letters import read_dead_letters
from streamscore.replay import compare_tables, format_diff, like

pytestmark = pytest.mark.kafka


def _lines(path):
    return sum(1 for _ in open(path))


def test_end_offsets_are_exact(broker, tmp_path):
    # The local broker reports a wrong high watermark after several batches; offsets must still be exact.
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps({"i": i}) + "\n" for i in range(2500)))
    ensure_topics(broker.bootstrap_servers, ["offsets"], partitions=2)
    for _ in range(2):
        produce_jsonl(broker.bootstrap_servers, "offsets", path, key_field="i")
    ends = end_offsets(broker.bootstrap_servers, "offsets")
    assert set(ends) == {0, 1} and sum(ends.values()) == 5000
    assert sorted(r["i"] for r in read_topic(broker.bootstrap_servers, "offsets")) == sorted(list(range(2500)) * 2)


def _profile(project, broker, **topics):
    profile = dataclasses.replace(project.profile("local"), bootstrap_servers=broker.bootstrap_servers)
    return dataclasses.replace(profile, tables={t: {"topic": name} for t, name in topics.items()})


def _topics(profile, job):
    return {t.name: profile.kafka_options(t.name, t.options)["topic"] for t in job.tables.values()}


@pytest.fixture(scope="module")
def produced(broker, project, flights_job, small_files):
    """The small files in their own topics (the job's SQL is unchanged: the profile names topics)."""
    profile = _profile(project, broker, flights="k_flights", weather="k_weather")
    topics = _topics(profile, flights_job)
    ensure_topics(broker.bootstrap_servers, [topics["flights"], topics["weather"]])
    produce_jsonl(broker.bootstrap_servers, topics["weather"], small_files["weather"], key_field="origin")
    produce_jsonl(broker.bootstrap_servers, topics["flights"], small_files["flights"], key_field="carrier")
    return profile


def _run(flink_engine, flights_job, profile, suffix, **bounds):
    profile = dataclasses.replace(profile, tables={**profile.tables, "flight_scores": {"topic": f"scores_{suffix}"},
                                                   "delay_alerts": {"topic": f"alerts_{suffix}"}})
    ensure_topics(profile.bootstrap_servers, [f"scores_{suffix}", f"alerts_{suffix}"])
    result = flink_engine.run(flights_job, profile, log=lambda m: None, **bounds)
    return result, {sink: read_topic(profile.bootstrap_servers, f"{sink}_{suffix}") for sink in ("scores", "alerts")}


def test_job_from_topics_to_topics_matches_replay(project, flink_engine, flights_job, produced, small_files, tmp_path):
    result, out = _run(flink_engine, flights_job, produced, "bounded", bounded=True)
    assert result.status == "FINISHED"
    assert result.end_offsets == {"flights": {0: _lines(small_files["flights"])},
                                  "weather": {0: _lines(small_files["weather"])}}
    replay = DuckDBEngine(project).replay(flights_job, small_files, tmp_path)
    for sink, records in (("flight_scores", out["scores"]), ("delay_alerts", out["alerts"])):
        expected = pd.read_parquet(replay.sinks[sink])
        diff = compare_tables(sink, expected, like(records, expected), 1e-9)
        assert diff.equal, format_diff(diff, "duckdb", "flink")
    assert len(out["scores"]) == _lines(small_files["flights"])  # in = out


def test_max_records_bounds_each_source(flink_engine, flights_job, produced):
    result, out = _run(flink_engine, flights_job, produced, "max", max_records=300)
    assert result.status == "FINISHED"
    assert result.end_offsets == {"flights": {0: 300}, "weather": {0: 300}}
    assert len(out["scores"]) == 300


def test_idle_timeout_cancels_an_unbounded_job(flink_engine, flights_job, produced, small_files):
    result, out = _run(flink_engine, flights_job, produced, "idle", idle_timeout=4)
    assert result.status == "CANCELED"
    # Unbounded: the last flights wait for a watermark that never comes, but nothing is scored twice.
    ids = [r["flight_id"] for r in out["scores"]]
    assert 0 < len(ids) < _lines(small_files["flights"])
    assert len(set(ids)) == len(ids)


def test_broker_service_tracks_its_process(tmp_path):
    service = BrokerService(tmp_path)
    assert service.status() is None
    port = free_port()
    broker = service.start(port)
    try:
        assert service.status() == (broker.pid, port) and port_open(port)
    finally:
        assert service.stop()
    assert service.status() is None and not port_open(port)


def test_event_time_pacing_schedule():
    from streamscore.kafka.client import event_time_seconds, send_offset

    first = event_time_seconds("2013-11-01 06:00:00.000")
    assert event_time_seconds("2013-11-01 07:00:00.500") - first == 3600.5
    assert send_offset(event_time_seconds("2013-11-01 07:00:00.000"), first, speedup=60) == 60.0
    assert send_offset(event_time_seconds("2013-11-01 05:00:00.000"), first, speedup=60) == 0.0  # late: now
    assert send_offset(None, first, speedup=60) == 0.0
    assert event_time_seconds(1_383_285_600_000) == 1_383_285_600.0


def test_produce_at_event_time_pace_keeps_every_record(broker, tmp_path):
    path = tmp_path / "paced.jsonl"
    path.write_text("".join(json.dumps({"i": i, "ts": f"2013-11-01 06:{i:02d}:00.000"}) + "\n" for i in range(10)))
    ensure_topics(broker.bootstrap_servers, ["paced"])
    sent = produce_jsonl(broker.bootstrap_servers, "paced", path, time_field="ts", speedup=600)
    assert sent == 10
    assert [r["i"] for r in read_topic(broker.bootstrap_servers, "paced")] == list(range(10))


def test_kafka_profile_runs_against_any_broker(project, flink_engine, flights_job, produced, small_files, monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", produced.bootstrap_servers)
    profile = dataclasses.replace(project.profile("kafka"), tables=produced.tables)
    assert profile.bootstrap_servers == produced.bootstrap_servers and not profile.local_broker
    result, out = _run(flink_engine, flights_job, profile, "kafka_profile", bounded=True)
    assert result.status == "FINISHED"
    assert len(out["scores"]) == _lines(small_files["flights"])


def test_run_reports_latency_of_live_records(flink_engine, flights_job, produced, small_files, tmp_path):
    import threading
    import time

    from confluent_kafka import Producer

    profile = dataclasses.replace(produced, tables={**produced.tables, "flights": {"topic": "live_flights"},
                                                    "flight_scores": {"topic": "live_scores"},
                                                    "delay_alerts": {"topic": "live_alerts"}},
                                  late_topic="live_late")
    ensure_topics(profile.bootstrap_servers, ["live_flights", "live_scores", "live_alerts"])
    running, lines, result = threading.Event(), open(small_files["flights"], "rb").readlines()[:600], {}

    scraped = []  # Flink's Prometheus endpoint while the job runs: streamscore's metrics among Flink's

    def log(message):
        if "running" in message:
            running.set()
            url = message.split("Prometheus ")[-1]
            threading.Thread(target=_scrape, args=(url, scraped), daemon=True).start()

    def run():
        result["run"] = flink_engine.run(flights_job, profile, idle_timeout=5, metrics_interval=2, log=log)

    job = threading.Thread(target=run)
    job.start()
    assert running.wait(60)
    producer = Producer({"bootstrap.servers": profile.bootstrap_servers, "linger.ms": 5})
    for number, line in enumerate(lines):  # 200 flights/s
        producer.produce("live_flights", line.rstrip(b"\n"))
        if number % 20 == 19:
            producer.flush(10)
            time.sleep(0.1)
    producer.flush(10)
    time.sleep(2)  # the watermark passes the flights above
    late = []  # a day behind the watermark: the job's OVER window drops them, and Flink counts them
    for number, line in enumerate(lines[:10]):
        flight = json.loads(line)
        flight["flight_id"] = -1 - number
        flight["sched_dep_time"] = "2013-10-30 06:00:00"
        late.append(json.dumps(flight).encode())
        producer.produce("live_flights", late[-1])
    producer.flush(10)
    job.join(120)
    metrics = result["run"].metrics  # read from Flink while the job ran: its own counters
    assert metrics["records_in"]["flights"] == len(lines) + len(late) and metrics["dead_letters"] == 0
    assert sum(metrics["late_dropped"].values()) == len(late), metrics["late_dropped"]
    # The replay of the same records, in the topic's order, drops the same rows in the same operators.
    (tmp_path / "flights.jsonl").write_bytes(b"".join(lines) + b"".join(line + b"\n" for line in late))
    replayed = DuckDBEngine(flink_engine.project).replay(
        flights_job, {"flights": tmp_path / "flights.jsonl", "weather": small_files["weather"]}, tmp_path / "replay")
    assert replayed.late_dropped == {kind: n for kind, n in metrics["late_dropped"].items() if n}
    copies = read_dead_letters(profile.bootstrap_servers, "live_late")  # the profile's late_topic
    assert sorted(c["payload"] for c in copies) == sorted(late) and metrics["late_routed"] == len(late)
    assert {c["source.table"] for c in copies} == {"flights"} and all(
        c["event_time"] < c["watermark"] for c in copies), copies[:1]
    assert metrics["records_out"]["flight_scores"] <= len(lines) and metrics["model_us_per_row"] > 0
    samples = _prometheus_samples("\n".join(scraped))  # every reading: a cancelled job's tasks leave the last one
    assert max(v for k, v in samples.items() if k.endswith("streamscore_model_rows")) > 0, sorted(samples)[:20]
    assert max(v for k, v in samples.items() if k.endswith("streamscore_model_version")) == 1.0
    assert any(k.endswith("_numRecordsIn") and v > 0 for k, v in samples.items())
    _check_dashboard(samples, "\n".join(scraped))
    latency = metrics["latency_seconds"]  # the last flights wait for a watermark that never comes
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] < 60


def _check_dashboard(samples: dict[str, float], pages: str) -> None:
    """Every metric and label the Grafana dashboard (dashboards/streamscore.json) queries is one Flink served."""
    import re
    from pathlib import Path

    dashboard = json.loads((Path(__file__).parent.parent / "dashboards" / "streamscore.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) >= 10
    queried = {name for expr in exprs for name in re.findall(r"\bflink_[A-Za-z0-9_]+", expr)}
    assert queried - set(samples) == set(), sorted(queried - set(samples))
    served_labels = set(re.findall(r"[{,]([a-z_]+)=\"", pages))
    used_labels = {label for expr in exprs for label in re.findall(r"\b([a-z_]+)\s*(?:=~|!~|=)\s*\"", expr)}
    used_labels |= {label for expr in exprs for group in re.findall(r"by \(([^)]*)\)", expr)
                    for label in (part.strip() for part in group.split(","))}
    assert used_labels - served_labels == set(), sorted(used_labels - served_labels)


def _scrape(url: str, pages: list, seconds: float = 90) -> None:
    """Read the Prometheus endpoint every half second while it answers (each page kept)."""
    import time
    import urllib.request

    deadline, answered = time.monotonic() + seconds, False
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                pages.append(response.read().decode())
                answered = True
        except OSError:
            if answered:
                return  # the job ended
        time.sleep(0.5)


def _prometheus_samples(page: str) -> dict[str, float]:
    """Metric name -> highest value over its label sets, from Prometheus text format."""
    samples: dict[str, float] = {}
    for line in page.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            name = name.split("{")[0]
            samples[name] = max(samples.get(name, float("-inf")), float(value))
    return samples
