"""A Flink cluster: a standalone one streamscore starts on 127.0.0.1, and any Flink 2.x cluster over REST.

The standalone cluster runs from the Flink distribution inside the installed PyFlink wheel (its bin/
scripts), with its own conf/ lib/ log/ folders under ``.streamscore/cluster``: lib holds Flink's jars
plus flink-python and the Kafka connector (STACK.md: jobs loading them per submission leak metaspace),
and the JobManager and TaskManagers are started in the foreground as child processes, tracked and
stopped by PID.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from streamscore.errors import EngineError, SetupError
from streamscore.kafka.broker import free_port
from streamscore.metrics import prometheus_settings


def flink_home() -> Path:
    import pyflink

    return Path(pyflink.__file__).resolve().parent


@dataclass
class ClusterSpec:
    taskmanagers: int = 1
    slots: int = 2
    jobmanager_memory: str = "1024m"
    taskmanager_memory: str = "1728m"
    metaspace: str = "512m"  # STACK.md: 256m ran out after ~7 Python job submissions
    # "rocksdb": keyed state on local disk (state larger than memory; incremental checkpoints), else on the heap
    state_backend: str = "hashmap"


@dataclass
class ClusterState:
    rest_port: int
    pids: dict[str, int] = field(default_factory=dict)  # process name -> PID
    folder: str = ""
    prometheus_ports: str = ""  # 'a-b': each process serves /metrics on the first free port of the range

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"


class StandaloneCluster:
    """``streamscore cluster up|down|status``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self.state_file = self.folder / "cluster.json"

    # -- state ----------------------------------------------------------------------------------------
    def state(self) -> ClusterState | None:
        try:
            raw = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        return ClusterState(**raw)

    def running(self) -> dict[str, bool]:
        state = self.state()
        return {name: _alive(pid) for name, pid in (state.pids.items() if state else [])}

    # -- up -------------------------------------------------------------------------------------------
    def up(self, spec: ClusterSpec = ClusterSpec(), timeout: float = 90.0, log=print) -> ClusterState:
        state = self.state()
        if state and any(self.running().values()):
            raise SetupError(f"a cluster is already running at {state.url} (`streamscore cluster down` first)")
        conf, lib, logs = self.folder / "conf", self.folder / "lib", self.folder / "log"
        for path in (conf, lib, logs):
            path.mkdir(parents=True, exist_ok=True)
        self._link_jars(lib)
        rest_port, prometheus_base = free_port(), free_port()
        prometheus_ports = f"{prometheus_base}-{prometheus_base + 1 + spec.taskmanagers}"  # one per process
        (conf / "config.yaml").write_text(_config_yaml(spec, rest_port, free_port(), self.folder, prometheus_ports))
        for name in ("log4j-console.properties", "log4j.properties", "logback-console.xml"):
            source = flink_home() / "conf" / name
            if source.exists():
                (conf / name).write_text(source.read_text())
        env = {**os.environ, "FLINK_HOME": str(flink_home()), "FLINK_CONF_DIR": str(conf), "FLINK_LIB_DIR": str(lib),
               "FLINK_LOG_DIR": str(logs), "FLINK_OPT_DIR": str(flink_home() / "opt")}
        state = ClusterState(rest_port=rest_port, folder=str(self.folder), prometheus_ports=prometheus_ports)
        processes = [("jobmanager", "jobmanager.sh")] + [(f"taskmanager-{i}", "taskmanager.sh")
                                                         for i in range(spec.taskmanagers)]
        for name, script in processes:
            out = open(logs / f"{name}.out", "ab")
            process = subprocess.Popen(["bash", str(flink_home() / "bin" / script), "start-foreground"], env=env,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            state.pids[name] = process.pid
        self.state_file.write_text(json.dumps(asdict(state)))
        log(f"cluster: JobManager and {spec.taskmanagers} TaskManager(s) starting, logs in {logs}")
        try:
            self._wait_ready(state, spec.taskmanagers * spec.slots, timeout)
        except SetupError:
            self.down(log=lambda m: None)
            raise
        log(f"cluster: up, {spec.taskmanagers * spec.slots} slots; web UI {state.url}; Prometheus metrics on "
            f"127.0.0.1 ports {state.prometheus_ports}")
        return state

    @staticmethod
    def _link_jars(lib: Path) -> None:
        from streamscore.vendor import flink_jars

        wanted = [*sorted((flink_home() / "lib").glob("*.jar")), *sorted((flink_home() / "opt").glob("flink-python*.jar")),
                  *flink_jars()]
        for old in lib.glob("*.jar"):
            old.unlink()
        for jar in wanted:
            (lib / jar.name).symlink_to(jar.resolve())

    def _wait_ready(self, state: ClusterState, slots: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not all(self.running().values()):
                raise SetupError(f"a cluster process exited while starting: see {self.folder / 'log'}")
            try:
                overview = FlinkRest(state.url).get("/overview")
                if overview.get("slots-total", 0) >= slots:
                    return
            except EngineError:
                pass
            time.sleep(0.5)
        raise SetupError(f"the cluster did not offer {slots} slots within {timeout:.0f}s: see {self.folder / 'log'}")

    # -- down -----------------------------------------------------------------------------------------
    def down(self, log=print) -> None:
        state = self.state()
        if state is None:
            log("cluster: not running")
            return
        for name, pid in reversed(list(state.pids.items())):
            _stop(pid)
        self.state_file.unlink(missing_ok=True)
        log("cluster: stopped")


# The JVM module options Flink's distribution sets by default (Arrow, used by pandas UDFs, needs java.nio).
JAVA_OPTIONS = " ".join(
    [f"--add-exports={m}=ALL-UNNAMED" for m in (
        "java.base/sun.net.util", "java.rmi/sun.rmi.registry", "jdk.compiler/com.sun.tools.javac.api",
        "jdk.compiler/com.sun.tools.javac.file", "jdk.compiler/com.sun.tools.javac.parser",
        "jdk.compiler/com.sun.tools.javac.tree", "jdk.compiler/com.sun.tools.javac.util",
        "java.security.jgss/sun.security.krb5")]
    + [f"--add-opens=java.base/{p}=ALL-UNNAMED" for p in (
        "java.lang", "java.net", "java.io", "java.nio", "sun.nio.ch", "java.lang.reflect", "java.text", "java.time",
        "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "java.util.concurrent.locks")])


def _config_yaml(spec: ClusterSpec, rest_port: int, rpc_port: int, folder: Path, prometheus_ports: str) -> str:
    """Loopback only, small memory, state under the cluster folder."""
    settings = {
        "env.java.opts.all": JAVA_OPTIONS,
        "jobmanager.rpc.address": "127.0.0.1",
        "jobmanager.rpc.port": rpc_port,
        "jobmanager.bind-host": "127.0.0.1",
        "taskmanager.bind-host": "127.0.0.1",
        "taskmanager.host": "127.0.0.1",
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "rest.port": rest_port,
        "blob.server.port": "0",
        "taskmanager.rpc.port": "0",
        "taskmanager.data.port": "0",
        "jobmanager.memory.process.size": spec.jobmanager_memory,
        "taskmanager.memory.process.size": spec.taskmanager_memory,
        "taskmanager.memory.jvm-metaspace.size": spec.metaspace,
        "taskmanager.numberOfTaskSlots": spec.slots,
        "parallelism.default": 1,
        "state.backend.type": spec.state_backend,
        "execution.checkpointing.incremental": spec.state_backend == "rocksdb",
        # keyed state can be rescaled up to this many subtasks (a savepoint taken at 2 resumes at 4)
        "pipeline.max-parallelism": 128,
        # The Kafka connector is in lib/: a job that ships its own copy must still use lib's classes.
        "classloader.parent-first-patterns.additional": "org.apache.kafka.;org.apache.flink.connector.kafka.",
        "execution.checkpointing.dir": (folder / "checkpoints").as_uri(),
        "execution.checkpointing.savepoint-dir": (folder / "savepoints").as_uri(),
        "metrics.fetcher.update-interval": 1000,
        # every process serves its metrics for Prometheus on the first free port of the cluster's range
        **prometheus_settings(prometheus_ports),
    }
    return config_yaml(settings)


def config_yaml(settings: dict) -> str:
    """Flink's config.yaml from flat keys: text and booleans as JSON scalars (valid YAML), numbers as they are."""
    return "".join(f"{key}: {json.dumps(value) if isinstance(value, (str, bool)) else value}\n"
                   for key, value in settings.items())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def _stop(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM the process group started for ``pid``, SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG) != (0, 0):
                    return
            except ChildProcessError:  # not our child: poll it
                if not _alive(pid):
                    return
            time.sleep(0.2)


class FlinkRest:
    """The REST API of any Flink 2.x cluster: jobs, cancel, stop with a savepoint."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:400]
            raise EngineError(f"{method} {self.url}{path}: HTTP {error.code} {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise EngineError(f"cannot reach the Flink cluster at {self.url} ({getattr(error, 'reason', error)})") from None
        return json.loads(text) if text else {}

    def get(self, path: str):
        return self._call("GET", path)

    def jobs(self) -> list[dict]:
        return sorted(self.get("/jobs/overview")["jobs"], key=lambda j: j.get("start-time", 0), reverse=True)

    def job(self, job_id: str) -> dict:
        return self.get(f"/jobs/{job_id}")

    def cancel(self, job_id: str) -> None:
        self._call("PATCH", f"/jobs/{job_id}?mode=cancel")

    def stop_with_savepoint(self, job_id: str, directory: str | None, timeout: float = 120.0) -> str:
        """Stop the job with a savepoint; returns where the savepoint is."""
        body = {"drain": False, "formatType": "CANONICAL"}
        if directory:
            body["targetDirectory"] = directory
        trigger = self._call("POST", f"/jobs/{job_id}/stop", body)["request-id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.get(f"/jobs/{job_id}/savepoints/{trigger}")
            if status["status"]["id"] == "COMPLETED":
                operation = status.get("operation", {})
                if "failure-cause" in operation:
                    cause = operation["failure-cause"].get("stack-trace", "").splitlines()
                    raise EngineError(f"the savepoint of job {job_id} failed: {cause[0] if cause else operation}")
                return operation["location"]
            time.sleep(0.5)
        raise EngineError(f"the savepoint of job {job_id} did not complete within {timeout:.0f}s")

    def wait_for_state(self, job_id: str, states: set[str], timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.job(job_id)["state"]
            if state in states:
                return state
            time.sleep(0.5)
        raise EngineError(f"job {job_id} did not reach {sorted(states)} within {timeout:.0f}s")


# -- Kubernetes (the Flink Kubernetes Operator) -------------------------------------------------------------
def flink_deployment(job_name: str, job_path: str, image: str, profile: str = "kafka",
                     delivery: str = "exactly-once", parallelism: int = 1, flink_version: str = "v2_0",
                     project_dir: str = "/opt/streamscore/project", checkpoint_dir: str = "s3://CHANGE-ME/checkpoints",
                     spec: ClusterSpec = ClusterSpec()) -> dict:
    """A FlinkDeployment (application mode) running the job through streamscore.driver in ``image``: an
    image from flink:2.3 with Python, streamscore installed, the project at ``project_dir`` and the Kafka
    connector jars in /opt/flink/lib (see the README)."""
    name = "streamscore-" + "".join(c if c.isalnum() else "-" for c in job_name.lower()).strip("-")
    return {
        "apiVersion": "flink.apache.org/v1beta1",
        "kind": "FlinkDeployment",
        "metadata": {"name": name},
        "spec": {
            "image": image,
            "flinkVersion": flink_version,
            "serviceAccount": "flink",
            "flinkConfiguration": {
                "taskmanager.numberOfTaskSlots": str(spec.slots),
                "taskmanager.memory.jvm-metaspace.size": spec.metaspace,
                "execution.checkpointing.dir": checkpoint_dir,
                "execution.checkpointing.savepoint-dir": checkpoint_dir.rstrip("/") + "-savepoints",
                "classloader.parent-first-patterns.additional": "org.apache.kafka.;org.apache.flink.connector.kafka.",
            },
            "jobManager": {"resource": {"memory": spec.jobmanager_memory, "cpu": 1}},
            "taskManager": {"resource": {"memory": spec.taskmanager_memory, "cpu": 1}},
            "job": {
                "jarURI": "local:///opt/flink/opt/flink-python-2.3.0.jar",
                "entryClass": "org.apache.flink.client.python.PythonDriver",
                "args": ["-pym", "streamscore.driver", "--project", project_dir, job_path, "--profile", profile,
                         "--delivery", delivery, "--checkpoint-dir", checkpoint_dir],
                "parallelism": parallelism,
                "upgradeMode": "savepoint",
                "state": "running",
            },
        },
    }


def to_yaml(value, indent: int = 0) -> str:
    """YAML for the manifest (mappings, lists, strings, numbers): every string quoted, so nothing is
    read as another type."""
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{to_yaml(item, indent + 1)}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        return "\n".join(f"{pad}- {_scalar(item)}" for item in value)
    return pad + _scalar(value)


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))
