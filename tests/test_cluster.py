"""A real standalone Flink cluster (a JobManager and two TaskManagers on free loopback ports, RocksDB keyed
state): submit the flights job at parallelism 2 against the local broker, read its scores, stop it with a
savepoint, resume from the savepoint at parallelism 4, and check that no flight is lost or scored twice
(exactly-once, read_committed) and that every flight's features and scores (OVER counts and the temporal
join's weather, keyed state carried through the rescale) equal the DuckDB replay's over the same flights."""

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter

import pandas as pd
import pytest
from confluent_kafka import Producer

from streamscore.cluster import ClusterSpec, FlinkRest, StandaloneCluster, _alive
from streamscore.kafka.client import ensure_topics, read_topic

pytestmark = [pytest.mark.cluster, pytest.mark.kafka]

TOPICS = {"flights": "cl_flights", "weather": "cl_weather", "flight_scores": "cl_scores", "delay_alerts": "cl_alerts"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    standalone = StandaloneCluster(tmp_path_factory.mktemp("cluster"))
    state = standalone.up(ClusterSpec(taskmanagers=2, slots=2, state_backend="rocksdb"), log=lambda m: None)
    yield standalone, state
    standalone.down(log=lambda m: None)
    assert not any(_alive(pid) for pid in state.pids.values())  # stopped by PID


def _cli(root, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "streamscore", "--project", str(root), *args], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


PARTITIONS = 4  # as many as the largest parallelism: a source subtask without a partition holds event time


def _produce(servers, topic, lines, partition=None):
    """Round-robin over the partitions (each partition's records stay in time order), or to one."""
    producer = Producer({"bootstrap.servers": servers, "enable.idempotence": True})
    for index, line in enumerate(lines):
        producer.produce(topic, line, partition=index % PARTITIONS if partition is None else partition)
    assert producer.flush(30) == 0


def _scored(servers):
    return Counter(r["flight_id"] for r in read_topic(servers, TOPICS["flight_scores"], **{"isolation.level": "read_committed"}))


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


def test_cluster_reports_its_processes(cluster):
    standalone, state = cluster
    overview = FlinkRest(state.url).get("/overview")
    assert overview["taskmanagers"] == 2 and overview["slots-total"] == 4
    assert all(standalone.running().values()) and set(state.pids) == {"jobmanager", "taskmanager-0", "taskmanager-1"}
    assert state.url.startswith("http://127.0.0.1:")


def _submitted(out: str) -> str:
    return re.search(r"submitted \S+: job (\w+)", out).group(1)


def _parallelism(url, job_id) -> int:
    return max(vertex["parallelism"] for vertex in FlinkRest(url).job(job_id)["vertices"])


def test_submit_savepoint_rescale_exactly_once(cluster, project_copy, broker, small_files, tmp_path):
    _, state = cluster
    root, servers = project_copy.root, broker.bootstrap_servers
    tables = "".join(f'\n[tables.{t}]\ntopic = "{topic}"\n' for t, topic in TOPICS.items())
    (root / "connectors" / "cl.toml").write_text(
        f'kind = "kafka"\nbootstrap_servers = "{servers}"\ndead_letter_topic = "cl_dead_letters"\n'
        f'[options]\n"properties.group.id" = "cl"\n{tables}')
    ensure_topics(servers, [*TOPICS.values(), "cl_dead_letters"], partitions=PARTITIONS)
    # Departures in scheduled order, as a schedule feed sends them: no flight is behind the watermark, so
    # which rows are late cannot depend on how fast the cluster reads (the replay's per-record watermark
    # and the cluster's periodic one then agree).
    flights = sorted((line.rstrip(b"\n") for line in open(small_files["flights"], "rb")),
                     key=lambda line: json.loads(line)["sched_dep_time"])
    in_order = tmp_path / "flights.jsonl"
    in_order.write_bytes(b"".join(line + b"\n" for line in flights))
    half = len(flights) // 2
    # Weather keyed by airport (one partition each, in time order): the versioned view deduplicates with
    # "keep the latest row", which drops a version that reaches it after a later one of the same airport.
    # The fourth partition gets a copy of LGA's timeline under an airport no flight uses, so that every
    # partition's watermark moves on.
    weather = [json.loads(line) for line in open(small_files["weather"], "rb")]
    for partition, origin in enumerate(["EWR", "JFK", "LGA", "LGA"]):
        rows = [{**w, "origin": "XXX"} if partition == 3 else w for w in weather if w["origin"] == origin]
        _produce(servers, TOPICS["weather"], [json.dumps(r).encode() for r in rows], partition)
    _produce(servers, TOPICS["flights"], flights[:half])
    submit = ["submit", "sql/jobs/flight_delays.sql", "--cluster", state.url, "--profile", "cl",
              "--delivery", "exactly-once", "--checkpoint-interval", "1"]

    out = _cli(root, *submit, "--parallelism", "2")
    job_id = _submitted(out)
    assert _parallelism(state.url, job_id) == 2
    assert FlinkRest(state.url).get(f"/jobs/{job_id}/checkpoints/config")["state_backend"] == \
        "EmbeddedRocksDBStateBackend"
    assert f"{state.url}/#/job/running/{job_id}/overview" in out
    assert job_id in _cli(root, "jobs", "--cluster", state.url)
    first = {json.loads(f)["flight_id"] for f in flights[:half]}
    # Scores of the first half, but for the last minutes' flights (their watermark has not passed).
    _wait_for(lambda: len(_scored(servers)) >= len(first) - 60, 180, "scores from the cluster")

    out = _cli(root, "cancel", job_id, "--cluster", state.url, "--savepoint", str(root / "savepoints"))
    savepoint = out.split("savepoint: ", 1)[1].split()[0]
    assert FlinkRest(state.url).job(job_id)["state"] == "FINISHED"  # stopped, not failed
    assert os.path.exists(savepoint.removeprefix("file:"))

    _produce(servers, TOPICS["flights"], flights[half:])
    for partition, origin in enumerate(["EWR", "JFK", "LGA", "XXX"]):  # later records move event time on
        _produce(servers, TOPICS["weather"], [json.dumps({"origin": origin, "obs_time": "2013-11-05 00:00:00",
                                                          "temp": 40.0}).encode()], partition)
        _produce(servers, TOPICS["flights"], [json.dumps({"flight_id": -1 - partition, "carrier": "ZZ", "origin": "JFK",
                                                          "sched_dep_time": "2013-11-05 00:00:00"}).encode()], partition)
    # Resumed as on the cluster `cluster up` started for the project: its lib folder has the connector and
    # streamscore's jar, so the job does not ship them (the client still plans with them).
    standalone, _ = cluster
    (root / ".streamscore").mkdir(exist_ok=True)
    (root / ".streamscore" / "cluster").symlink_to(standalone.folder, target_is_directory=True)
    out = _cli(root, *submit, "--from-savepoint", savepoint, "--parallelism", "4")
    resumed = _submitted(out)
    assert _parallelism(state.url, resumed) == 4  # keyed state redistributed over twice the subtasks
    everything = {json.loads(f)["flight_id"] for f in flights}
    _wait_for(lambda: everything <= set(_scored(servers)), 180, "every flight scored")
    _cli(root, "cancel", resumed, "--cluster", state.url)
    scored = _scored(servers)
    assert all(scored[f] == 1 for f in everything), [f for f in everything if scored[f] != 1][:10]

    # The same features and scores as the replay of the same flights and weather.
    from streamscore.engines.duckdb import DuckDBEngine

    job = project_copy.job("sql/jobs/flight_delays.sql")
    replay = DuckDBEngine(project_copy).replay(job, {**small_files, "flights": in_order}, tmp_path / "replay")
    columns = ["origin_departures_1h", "temp", "wind_speed", "delay_risk"]
    expected = pd.read_parquet(replay.sinks["flight_scores"]).set_index("flight_id")[columns].sort_index()
    records = read_topic(servers, TOPICS["flight_scores"], **{"isolation.level": "read_committed"})
    got = pd.DataFrame([r for r in records if r["flight_id"] in everything]).set_index("flight_id")[columns]
    got = got.sort_index()
    assert list(got.index) == list(expected.index)
    differing = got[((got - expected).abs() > 1e-9).any(axis=1) | (got.isna() != expected.isna()).any(axis=1)]
    assert differing.empty, f"{len(differing)} of {len(got)} flights differ:\n{differing.head(8)}\nreplay:\n" \
                            f"{expected.loc[differing.index].head(8)}"


def test_the_k8s_entry_point_runs_under_flinks_python_driver(cluster, project_copy, broker):
    """The manifest `streamscore k8s` writes runs `-pym streamscore.driver` in Flink's PythonDriver:
    run that same entry point through Flink's own CLI against the real cluster."""
    from streamscore.cluster import flink_home

    standalone, state = cluster
    root = project_copy.root
    out = _cli(root, "k8s", "sql/jobs/flight_delays.sql", "--image", "example/streamscore:1")
    manifest = (root / "build" / "k8s" / "flight_delays.yaml").read_text()
    assert "entryClass: \"org.apache.flink.client.python.PythonDriver\"" in manifest and "wrote" in out
    (root / "connectors" / "k8s.toml").write_text(f'kind = "kafka"\nbootstrap_servers = "{broker.bootstrap_servers}"\n'
                                                  '[tables.flights]\ntopic = "k8s_flights"\n[tables.weather]\ntopic = "k8s_weather"\n')
    ensure_topics(broker.bootstrap_servers, ["k8s_flights", "k8s_weather", "flight_scores", "delay_alerts"])
    # As in the image: the connector in the lib folder (the cluster's lib holds it).
    env = {**os.environ, "FLINK_HOME": str(flink_home()), "FLINK_CONF_DIR": str(standalone.folder / "conf"),
           "FLINK_LIB_DIR": str(standalone.folder / "lib")}
    done = subprocess.run(["bash", str(flink_home() / "bin" / "flink"), "run", "-d", "-m", state.url.split("//")[1],
                           "-pyclientexec", sys.executable, "-pym", "streamscore.driver", "--project", str(root),
                           "sql/jobs/flight_delays.sql", "--profile", "k8s", "--delivery", "at-least-once",
                           "--checkpoint-dir", (root / "checkpoints").as_uri()],
                          env=env, capture_output=True, text=True, timeout=300)
    assert "streamscore: submitted" in done.stdout, done.stdout[:2500]
    rest = FlinkRest(state.url)
    job = next(j for j in rest.jobs() if j["name"] == "streamscore flight_delays" and j["state"] == "RUNNING")
    rest.cancel(job["jid"])
    assert rest.wait_for_state(job["jid"], {"CANCELED"}) == "CANCELED"


def test_sql_client_runs_queries_on_the_cluster(cluster, project_copy, tmp_path):
    """`streamscore sql --cluster URL`: Flink's SQL client with the project loaded, its job on the cluster."""
    _, state = cluster
    rest = FlinkRest(state.url)
    before = {j["jid"] for j in rest.jobs()}
    probe = tmp_path / "probe.jsonl"
    probe.write_text("".join(json.dumps({"x": float(i)}) + "\n" for i in range(5)))
    script = tmp_path / "count.sql"
    script.write_text(f"CREATE TEMPORARY TABLE probe (x DOUBLE) WITH ('connector' = 'filesystem', 'path' = '{probe}', "
                      "'format' = 'json');\nSELECT COUNT(*) AS n, SUM(x) AS total FROM probe;\n")
    out = _cli(project_copy.root, "sql", "-f", str(script), "--cluster", state.url)
    assert re.search(r"\|\s*[+][IU]\s*\|\s*5\s*\|\s*10\.0\s*\|", out), out[-2000:]
    ran = [j for j in rest.jobs() if j["jid"] not in before]
    assert ran and all(j["state"] == "FINISHED" for j in ran), ran  # the query ran on the cluster
