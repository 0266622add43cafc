"""Kafka -> Flink -> model -> Kafka on the local broker: throughput, and latency at a steady rate.

    .venv/bin/python benchmarks/kafka_pipeline.py [--flights N] [--latency-seconds S] [--rate R]

Prints one JSON object. Throughput: flights are produced first (the last --flights of 2013; the demo job
reads the demo's Nov-Dec stream), then each job reads them bounded; events/s = flights / time from the
first output record to the job's end (the job's start left out), and also over the whole job time.
Jobs, one JVM:
  passthrough_json    Kafka -> Kafka through Flink's json format (no Python: the baseline)
  passthrough         the same through streamscore's JVM decoder with dead letters (the default for JSON sources)
  score               + the demo model on every flight (benchmarks/jobs/kafka_score.sql; the model function
                      of udfs/, scored in the JVM)
  demo                the demo job: OVER window, temporal join with weather, model, alert windows
Latency: the demo job (and the score job) streaming while flights arrive at --rate per second, measured
by `run`'s tracker (arrival in the flights topic -> visible in flight_scores), the first 5 s left out;
at the default settings and tuned for latency (watermarks every 50 ms; 50 ms bundles for Python functions).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from confluent_kafka import Producer

from streamscore.datasets import write_demo_data
from streamscore.engines.flink import FlinkEngine
from streamscore.kafka.broker import LocalBroker, free_port
from streamscore.kafka.client import ensure_topics, read_messages
from streamscore.metrics import LatencyTracker, percentiles
from streamscore.project import Project

ROOT = Path(__file__).resolve().parent.parent
JOBS = {"passthrough_json": "benchmarks/jobs/kafka_passthrough.sql", "passthrough": "benchmarks/jobs/kafka_passthrough.sql",
        "score": "benchmarks/jobs/kafka_score.sql", "demo": "sql/jobs/flight_delays.sql"}
SINK_TOPIC = {"passthrough_json": "flights_copy", "passthrough": "flights_copy", "score": "flight_scores",
              "demo": "flight_scores"}
# Settings for lower latency: watermarks every 50 ms instead of 200 ms (event-time operators emit a row once
# the watermark passes it); Python bundles, for jobs with Python functions, flushed every 50 ms instead of 1 s.
LATENCY_SETTINGS = {"python.fn-execution.bundle.time": "50", "python.fn-execution.bundle.size": "10000",
                    "pipeline.auto-watermark-interval": "50 ms"}
WARM_UP_SECONDS = 5
LATENCY_OPTIONS = {"properties.fetch.max.wait.ms": "5", "properties.linger.ms": "0"}


def produce(servers: str, topic: str, lines: list[bytes], rate: float | None = None) -> None:
    producer = Producer({"bootstrap.servers": servers, "linger.ms": 0 if rate else 20, "compression.type": "lz4"})
    started = time.monotonic()
    for number, line in enumerate(lines, 1):
        while True:
            try:
                producer.produce(topic, line)
                break
            except BufferError:
                producer.poll(0.05)
        if rate and number % 10 == 0:
            producer.poll(0)
            ahead = number / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    assert producer.flush(60) == 0


def throughput(engine, project, profile, name, flights: int, source_topic: str) -> dict:
    job = project.job(JOBS[name])
    topic = f"{SINK_TOPIC[name]}_{name}"
    tables = {**profile.tables, "flights": {"topic": source_topic}, "flights_copy": {"topic": topic},
              "flight_scores": {"topic": topic}, "delay_alerts": {"topic": f"alerts_{name}"}}
    run_profile = dataclasses.replace(profile, tables=tables,
                                      dead_letter_topic="" if name == "passthrough_json" else profile.dead_letter_topic)
    ensure_topics(profile.bootstrap_servers, [topic, f"alerts_{name}"])
    result = engine.run(job, run_profile, bounded=True, metrics_interval=None, latency_key=None, log=lambda m: None)
    finished = time.time()
    stamps = [m.timestamp()[1] / 1000 for m in read_messages(profile.bootstrap_servers, topic)]
    assert len(stamps) == flights, (name, len(stamps), flights)  # every flight came out once
    steady = finished - min(stamps)  # from the first output to the job's end: the start left out
    return {"events": flights, "job_seconds": round(result.seconds, 2), "seconds_after_first_output": round(steady, 2),
            "events_per_second": round(flights / steady), "events_per_second_with_start": round(flights / result.seconds)}


def latency(project, profile, lines: list[bytes], rate: float, seconds: float, settings: dict, name: str) -> dict:
    job = project.job(JOBS[name])
    prefix = f"latency_{name}_{len(settings)}"
    tables = {**profile.tables, "flights": {"topic": f"{prefix}_flights", **LATENCY_OPTIONS},
              "flight_scores": {"topic": f"{prefix}_scores", **LATENCY_OPTIONS},
              "delay_alerts": {"topic": f"{prefix}_alerts", **LATENCY_OPTIONS}}
    run_profile = dataclasses.replace(profile, tables=tables)
    servers = profile.bootstrap_servers
    ensure_topics(servers, [f"{prefix}_flights", f"{prefix}_scores", f"{prefix}_alerts"])
    engine = FlinkEngine(project, settings)
    running, outcome = threading.Event(), {}

    def run():
        outcome["run"] = engine.run(job, run_profile, idle_timeout=15, metrics_interval=None,
                                    log=lambda m: running.set() if "running" in m else None)

    tracker = LatencyTracker(servers, f"{prefix}_flights", f"{prefix}_scores", "flight_id").start()
    thread = threading.Thread(target=run)
    thread.start()
    running.wait(120)
    time.sleep(3)  # the job's operators and Python workers start
    count = int(rate * seconds)
    feeder = threading.Thread(target=produce, args=(servers, f"{prefix}_flights", lines[:count], rate))
    feeder.start()
    time.sleep(WARM_UP_SECONDS)
    warm_up = len(tracker.take())
    feeder.join()
    thread.join()
    engine.close()
    measured = tracker.stop()[warm_up:]
    shown = {k: round(v * 1000, 1) for k, v in percentiles(measured).items()}
    return {"rate": rate, "events": count, "measured": len(measured), **{f"{k}_ms": v for k, v in shown.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flights", type=int, default=200_000, help="flights for the throughput runs")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--latency-seconds", type=float, default=40.0)
    args = parser.parse_args()
    project = Project(ROOT)
    files = write_demo_data(ROOT / "data")
    flights = [line.rstrip(b"\n") for line in open(files["flights_all"], "rb")][-args.flights:]
    weather = [line.rstrip(b"\n") for line in open(files["weather"], "rb")]
    live = [line.rstrip(b"\n") for line in open(files["flights_live"], "rb")]
    shutil.rmtree(ROOT / "build" / "bench-broker", ignore_errors=True)  # topics of an earlier run would add up
    broker = LocalBroker(free_port(), ROOT / "build" / "bench-broker").start()
    report = {"benchmark": "kafka_pipeline", "flights": len(flights)}
    try:
        servers = broker.bootstrap_servers
        profile = dataclasses.replace(project.profile("local"), bootstrap_servers=servers)
        ensure_topics(servers, ["flights", "weather", "flights_live"])
        produce(servers, "weather", weather)
        produce(servers, "flights", flights)
        produce(servers, "flights_live", live)
        engine = FlinkEngine(project)
        for name in JOBS:
            # The demo job reads the demo's stream (Nov-Dec): with the whole year, every weather reading
            # of the year is read ahead of the flights and the temporal join's state grows with it.
            topic, count = ("flights_live", len(live)) if name == "demo" else ("flights", len(flights))
            report[name] = throughput(engine, project, profile, name, count, topic)
            print(name, report[name], file=sys.stderr)
        engine.close()
        base = report["passthrough_json"]["events_per_second"]
        for name in ("passthrough", "score"):
            report[name]["ratio_to_passthrough_json"] = round(report[name]["events_per_second"] / base, 3)
        for name, tuning, settings in (("demo", "default", {}), ("demo", "tuned", LATENCY_SETTINGS),
                                       ("score", "tuned", LATENCY_SETTINGS)):
            outcome = latency(project, profile, live, args.rate, args.latency_seconds, settings, name)
            report[f"latency_{name}_{tuning}"] = outcome
            print(name, tuning, outcome, file=sys.stderr)
    finally:
        broker.stop()
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
