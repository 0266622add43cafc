"""Metrics of a running job: records in / out / dead-lettered and model scoring time from Flink's REST
API, end-to-end latency (arrival in the source topic -> visible in the sink topic) from Kafka itself.

`streamscore run` prints a line every interval and a summary at the end.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streamscore.kafka.dead_letters import DEAD_LETTER_TABLE, LATE_ROWS_TABLE

# Operator metric ids look like "<subtask>.<operator name>.<metric>", spaces in names as "_".
# A source's name is its catalog path with dots as "_": matched to the job's table names by suffix.
_SOURCE = re.compile(r"^\d+\.Source__KafkaSource-(?P<table>[^.]+)\.numRecordsOut$")
_SINK = re.compile(r"^\d+\.(?P<table>[\w$]+)\[\d+\]__Writer\.numRecordsIn$")
_MODEL = re.compile(r"^\d+\..*\.streamscore_model_(?P<what>rows|micros)$")
# Flink's own counters of rows dropped behind the watermark (window, OVER and join operators).
_LATE = re.compile(r"^\d+\.(?P<operator>.+)\.\w*[lL]ateRecordsDropped$")
# What Flink's REST API writes as "_" in an operator's name within a metric id.
_METRIC_ID_CHARS = re.compile(r"[ .:,]")

DEAD_LETTER_SINK = DEAD_LETTER_TABLE
LATE_ROWS_SINK = LATE_ROWS_TABLE  # the profile's late_topic
POLL_SECONDS = 0.5  # with Flink's metrics.fetcher.update-interval at 500 ms (FlinkEngine sets it)
METRICS_PER_REQUEST = 8  # operator names make long metric ids: keep each request URL short
# Flink's Prometheus reporter (a plugin inside the PyFlink distribution). It listens on every interface (it
# has no bind address): scrape it at 127.0.0.1, and firewall the port where that matters.
PROMETHEUS_REPORTER = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
FINAL_COUNTS_REPORTER = "dev.streamscore.metrics.FinalCounts$Factory"  # jvm/, the streamscore-jvm-metrics jar


def final_counts_settings(path: Path) -> dict[str, str]:
    """Flink settings that write each operator counter's value when its task ends to ``path`` (JSON):
    a finished task's counters leave the REST API, often before a short bounded job's first reading."""
    return {"metrics.reporter.streamscore_totals.factory.class": FINAL_COUNTS_REPORTER,
            "metrics.reporter.streamscore_totals.path": str(path)}


def prometheus_settings(ports: str) -> dict[str, str]:
    """Flink settings that serve every metric for Prometheus on ``ports`` (one port, or a range 'a-b':
    each process takes the first free one)."""
    return {"metrics.reporter.prom.factory.class": PROMETHEUS_REPORTER, "metrics.reporter.prom.port": ports}


@dataclass
class Snapshot:
    at: float
    records_in: dict[str, int] = field(default_factory=dict)  # per source table
    records_out: dict[str, int] = field(default_factory=dict)  # per sink table
    dead_letters: int = 0
    model_rows: int = 0
    model_micros: int = 0
    late: dict[str, int] = field(default_factory=dict)  # rows dropped as late, per operator kind
    late_routed: int = 0  # rows read behind their source's watermark, copied to the late topic


class FlinkMetrics:
    """Counters of one job through the (mini-)cluster's REST API."""

    def __init__(self, rest_url: str, job_id: str, sources: list[str]):
        self.rest_url = rest_url.rstrip("/")
        self.job_id = job_id
        self.sources = sources
        self._ids: dict[str, list[str]] = {}  # vertex -> metric ids worth reading

    def _get(self, path: str):
        with urllib.request.urlopen(f"{self.rest_url}{path}", timeout=5) as response:
            return json.load(response)

    def snapshot(self) -> Snapshot:
        snap = Snapshot(time.monotonic())
        for vertex in self._get(f"/jobs/{self.job_id}")["vertices"]:
            base = f"/jobs/{self.job_id}/vertices/{vertex['id']}/metrics"
            if not self._ids.get(vertex["id"]):  # metrics appear once the task runs
                self._ids[vertex["id"]] = [m["id"] for m in self._get(base)
                                           if any(p.match(m["id"]) for p in (_SOURCE, _SINK, _MODEL, _LATE))]
            ids = self._ids[vertex["id"]]
            for start in range(0, len(ids), METRICS_PER_REQUEST):
                for metric in self._get(f"{base}?get={','.join(ids[start:start + METRICS_PER_REQUEST])}"):
                    _add(snap, metric["id"], int(float(metric["value"])))
        return self._by_table(snap)

    def final_counts(self, path: Path, wait: float = 10.0) -> Snapshot | None:
        """The counters as each task ended (streamscore's FinalCounts reporter writes ``path``; see
        ``final_counts_settings``), once the cluster has closed it (waiting up to ``wait`` seconds); None
        when there is no such file."""
        deadline = time.monotonic() + wait
        counts = None
        while True:
            try:
                counts = json.loads(path.read_text())
            except (OSError, ValueError):
                pass
            if (counts is not None and counts.pop("__closed", 0)) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if counts is None:
            return None
        snap = Snapshot(time.monotonic())
        for key, value in counts.items():
            subtask, operator, name = key.split("\t")
            _add(snap, f"{subtask}.{_METRIC_ID_CHARS.sub('_', operator)}.{name}", int(value))
        return self._by_table(snap)

    def _by_table(self, snap: Snapshot) -> Snapshot:
        snap.records_in = {self._source_table(name): n for name, n in snap.records_in.items()}
        snap.dead_letters = snap.records_out.pop(DEAD_LETTER_SINK, 0)
        snap.late_routed = snap.records_out.pop(LATE_ROWS_SINK, 0)
        return snap


    def _source_table(self, operator: str) -> str:
        return next((t for t in self.sources if operator.endswith(("_" + t, "_streamscore_raw_" + t))), operator)


def _add(snap: Snapshot, metric_id: str, value: int) -> None:
    if match := _SOURCE.match(metric_id):
        snap.records_in[match["table"]] = snap.records_in.get(match["table"], 0) + value
    elif match := _SINK.match(metric_id):
        snap.records_out[match["table"]] = snap.records_out.get(match["table"], 0) + value
    elif match := _MODEL.match(metric_id):
        if match["what"] == "rows":
            snap.model_rows += value
        else:
            snap.model_micros += value
    elif match := _LATE.match(metric_id):
        kind = match["operator"].split("(")[0].split("[")[0].strip("_") or "operator"
        snap.late[kind] = snap.late.get(kind, 0) + value


def _latest(before: Snapshot | None, now: Snapshot | None) -> Snapshot | None:
    """Counters only grow: keep each one's highest reading (finished tasks read as missing or zero)."""
    if before is None or now is None:
        return now or before
    merged = Snapshot(now.at, dict(before.records_in), dict(before.records_out), max(before.dead_letters, now.dead_letters),
                      max(before.model_rows, now.model_rows), max(before.model_micros, now.model_micros),
                      dict(before.late), max(before.late_routed, now.late_routed))
    for mine, theirs in ((merged.records_in, now.records_in), (merged.records_out, now.records_out),
                         (merged.late, now.late)):
        for name, count in theirs.items():
            mine[name] = max(mine.get(name, 0), count)
    return merged


def percentiles(values: list[float], points=(50, 95, 99)) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {f"p{p}": ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] for p in points}


class LatencyTracker:
    """Matches sink records to the source records they came from by a shared key column (e.g.
    ``flight_id``): latency = when the output became visible to a consumer - when the input arrived in
    Kafka (its record timestamp). Reads both topics from their ends at start; read_committed on the sink."""

    def __init__(self, bootstrap: str, source_topic: str, sink_topic: str, key: str):
        self.bootstrap, self.source_topic, self.sink_topic, self.key = bootstrap, source_topic, sink_topic, key
        self._arrivals: dict = {}
        self._window: list[float] = []
        self._all: list[float] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> "LatencyTracker":
        from streamscore.kafka.client import tail_consumer

        # Subscribed before the job starts writing: nothing between "now" and the first poll is missed.
        self._source = tail_consumer(self.bootstrap, self.source_topic)
        self._sink = tail_consumer(self.bootstrap, self.sink_topic, **{"isolation.level": "read_committed"})
        self._thread.start()
        return self

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                for message in self._source.consume(1000, 0.02):
                    if message.error() is None and message.value():
                        key = _field(message.value(), self.key)
                        if key is not None:
                            self._arrivals[key] = message.timestamp()[1] / 1000.0
                now = time.time()
                for message in self._sink.consume(1000, 0.02):
                    if message.error() is None and message.value():
                        arrived = self._arrivals.pop(_field(message.value(), self.key), None)
                        if arrived is not None:
                            with self._lock:
                                self._window.append(now - arrived)
        finally:
            self._source.close()
            self._sink.close()

    def take(self) -> list[float]:
        """Latencies (seconds) measured since the last call."""
        with self._lock:
            window, self._window = self._window, []
        self._all.extend(window)
        return window

    def stop(self) -> list[float]:
        """Stop; every latency measured."""
        self._stop.set()
        self._thread.join(10)
        self.take()
        return self._all


def _field(raw: bytes | None, name: str):
    """A field of a JSON record, or None for any record that is not one (deeply nested, not UTF-8, a
    tombstone): the tracker must outlive every record the job dead-letters."""
    try:
        return json.loads(raw).get(name)
    except (ValueError, AttributeError, TypeError, RecursionError):
        return None


class Reporter:
    """Prints the job's metrics every ``interval`` seconds and a summary at the end."""

    def __init__(self, metrics: FlinkMetrics, latency: LatencyTracker | None, interval: float, log=print):
        self.metrics, self.latency, self.interval, self.log = metrics, latency, interval, log
        self.first: Snapshot | None = None
        self.last: Snapshot | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> "Reporter":
        self.first = Snapshot(time.monotonic())
        self._thread.start()
        return self

    def _read(self) -> Snapshot | None:
        try:
            return self.metrics.snapshot()
        except (OSError, ValueError, KeyError):  # the job is starting or has just ended
            return None

    def _loop(self) -> None:
        # Read often (a finished task's counters leave the REST API: the totals are the last read),
        # print every interval.
        printed = self.first
        while not self._stop.wait(POLL_SECONDS):
            snap = self._read()
            if snap is None:
                continue
            self.last = _latest(self.last, snap)
            if snap.at - printed.at >= self.interval:
                self.log("metrics: " + self.line(printed, snap, self.latency.take() if self.latency else None))
                printed = snap

    def line(self, before: Snapshot, now: Snapshot, latencies: list[float] | None) -> str:
        seconds = max(now.at - before.at, 1e-9)
        taken = sum(now.records_in.values())
        rate = (taken - sum(before.records_in.values())) / seconds
        parts = [f"in {taken:,} ({rate:,.0f}/s)",
                 "out " + ", ".join(f"{t} {n:,}" for t, n in sorted(now.records_out.items())) if now.records_out else "out 0",
                 f"dead letters {now.dead_letters:,}",
                 *([f"late topic {now.late_routed:,}"] if now.late_routed else []),
                 f"late dropped {sum(now.late.values()):,}" + (" (" + ", ".join(f"{k} {n:,}" for k, n in sorted(now.late.items()))
                                                                + ")" if any(now.late.values()) else "")]
        if now.model_rows:
            parts.append(f"model {now.model_micros / now.model_rows:.1f} us/row")
        if latencies:
            shown = percentiles(latencies)
            parts.append("latency " + " ".join(f"{k} {v * 1000:,.0f} ms" for k, v in shown.items()))
        return " | ".join(parts)

    def progress(self) -> tuple | None:
        """What the job has counted so far (None before the first reading): unchanged means nothing moves."""
        snap = self.last
        if snap is None:
            return None
        return (tuple(sorted(snap.records_in.items())), tuple(sorted(snap.records_out.items())), snap.dead_letters,
                tuple(sorted(snap.late.items())), snap.late_routed)

    def stop(self, final: Snapshot | None = None) -> dict:
        """Stop printing; log and return the totals: the highest of the last reading while the job ran
        (Flink drops a finished task's counters from its REST API) and ``final``, the counters as each
        task ended (``FlinkMetrics.final_counts``)."""
        self._stop.set()
        self._thread.join(10)
        snap = _latest(_latest(self.last, self._read()), final)
        latencies = self.latency.stop() if self.latency else []
        if snap is None:
            return {}
        self.log("metrics (total): " + self.line(self.first, snap, latencies))
        return {"records_in": snap.records_in, "records_out": snap.records_out, "dead_letters": snap.dead_letters,
                "late_dropped": snap.late, "late_routed": snap.late_routed,
                "model_us_per_row": snap.model_micros / snap.model_rows if snap.model_rows else None,
                "latency_seconds": percentiles(latencies)}


def latency_key(job, key: str | None = None):
    """(source table, sink table, key column) to measure latency by: ``key`` if given, else an ``*_id``
    column a Kafka sink shares with a Kafka source (``flight_id``); None when there is none."""
    def kafka(tables):
        return [t for t in tables if t.options.get("connector") == "kafka"]

    for sink in kafka(job.sinks):
        for source in kafka(job.sources):
            shared = [c.name for c in sink.columns if c.is_physical and
                      any(s.name == c.name and s.is_physical for s in source.columns)]
            chosen = [n for n in shared if n == key] if key else [n for n in shared if n.lower().endswith("id")]
            if chosen:
                return source, sink, chosen[0]
    return None
