"""A real standalone Flink cluster (JobManager + TaskManager on free loopback ports): submit the flights
job against the local broker, read its scores, stop it with a savepoint, resubmit from the savepoint,
and check that no flight is lost or scored twice (exactly-once, read_committed)."""

import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from confluent_kafka import Producer

from streamscore.cluster import ClusterSpec, FlinkRest, StandaloneCluster, _alive
from streamscore.kafka.client import ensure_topics, read_topic

pytestmark = [pytest.mark.cluster, pytest.mark.kafka]

TOPICS = {"flights": "cl_flights", "weather": "cl_weather", "flight_scores": "cl_scores", "delay_alerts": "cl_alerts"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    standalone = StandaloneCluster(tmp_path_factory.mktemp("cluster"))
    state = standalone.up(ClusterSpec(taskmanagers=1, slots=2), log=lambda m: None)
    yield standalone, state
    standalone.down(log=lambda m: None)
    assert not any(_alive(pid) for pid in state.pids.values())  # stopped by PID


def _cli(root, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "streamscore", "--project", str(root), *args], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _produce(servers, topic, lines):
    producer = Producer({"bootstrap.servers": servers, "enable.idempotence": True})
    for line in lines:
        producer.produce(topic, line)
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
    assert overview["taskmanagers"] == 1 and overview["slots-total"] == 2
    assert all(standalone.running().values()) and set(state.pids) == {"jobmanager", "taskmanager-0"}
    assert state.url.startswith("http://127.0.0.1:")


def test_submit_savepoint_resubmit_exactly_once(cluster, project_copy, broker, small_files):
    _, state = cluster
    root, servers = project_copy.root, broker.bootstrap_servers
    tables = "".join(f'\n[tables.{t}]\ntopic = "{topic}"\n' for t, topic in TOPICS.items())
    (root / "connectors" / "cl.toml").write_text(
        f'kind = "kafka"\nbootstrap_servers = "{servers}"\ndead_letter_topic = "cl_dead_letters"\n'
        f'[options]\n"properties.group.id" = "cl"\n{tables}')
    ensure_topics(servers, [*TOPICS.values(), "cl_dead_letters"])
    flights = [line.rstrip(b"\n") for line in open(small_files["flights"], "rb")]
    half = len(flights) // 2
    _produce(servers, TOPICS["weather"], [line.rstrip(b"\n") for line in open(small_files["weather"], "rb")])
    _produce(servers, TOPICS["flights"], flights[:half])
    submit = ["submit", "sql/jobs/flight_delays.sql", "--cluster", state.url, "--profile", "cl",
              "--delivery", "exactly-once", "--checkpoint-interval", "1"]

    out = _cli(root, *submit)
    job_id = out.split("job ", 1)[1].split()[0]
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
    _produce(servers, TOPICS["weather"], [b'{"origin": "JFK", "obs_time": "2013-11-05 00:00:00", "temp": 40.0}'])
    _produce(servers, TOPICS["flights"], [json.dumps({"flight_id": -1, "carrier": "ZZ", "origin": "JFK",
                                                      "sched_dep_time": "2013-11-05 00:00:00"}).encode()])
    out = _cli(root, *submit, "--from-savepoint", savepoint)
    resumed = out.split("job ", 1)[1].split()[0]
    everything = {json.loads(f)["flight_id"] for f in flights}
    _wait_for(lambda: everything <= set(_scored(servers)), 180, "every flight scored")
    _cli(root, "cancel", resumed, "--cluster", state.url)
    scored = _scored(servers)
    assert all(scored[f] == 1 for f in everything), [f for f in everything if scored[f] != 1][:10]


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
