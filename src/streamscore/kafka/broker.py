"""The local broker: Apache Kafka 4 in KRaft mode (one process, broker + controller), on 127.0.0.1.

It is the default for the `local` profile, not a special case: everything else talks to it through
the Kafka protocol with bootstrap servers from configuration, as it would to any Kafka cluster.
Its classpath comes from Maven Central (``jvm/kafka-broker``); its storage is formatted with a new
cluster id on first start and kept in its folder across restarts.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from streamscore.errors import BrokerError
from streamscore.vendor import broker_classpath

HOST = "127.0.0.1"
# The broker shares a 2-core machine with Flink's JVM and the Python workers: a small heap is plenty
# for local topics, and C2 compilation of a short-lived broker is not worth its CPU.
JVM_OPTIONS = ["-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:TieredStopAtLevel=1",
               "-Djava.awt.headless=true"]
SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{host}:{controller_port}
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}
advertised.listeners=PLAINTEXT://{host}:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Flink's exactly-once sink keeps transactions open for a checkpoint interval and more.
transaction.max.timeout.ms=3600000
"""
LOG4J = """\
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


@dataclass
class LocalBroker:
    """A Kafka process whose files live in ``folder``. ``start()`` returns once it answers metadata requests."""

    port: int
    folder: Path
    pid: int | None = None
    start_seconds: float = 0.0  # launch (and first-start formatting) to answering metadata requests

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.folder / "broker.log"

    def start(self, timeout: float = 60.0) -> "LocalBroker":
        if port_open(self.port):
            raise BrokerError(f"port {self.port} on {HOST} is already in use (`streamscore broker status`?)")
        started = time.monotonic()
        config = self._configure()
        java = ["java", *JVM_OPTIONS, f"-Dlog4j2.configurationFile={self.folder / 'log4j2.properties'}",
                "-cp", broker_classpath()]
        if not (self.folder / "data" / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
            # `--cluster-id=ID`: a base64url id may start with "-", which a separate argument would not survive.
            formatted = subprocess.run([*java, "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}",
                                        "-c", str(config)],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if formatted.returncode != 0:
                raise BrokerError(f"formatting the broker's storage failed:\n{formatted.stdout[-2000:]}")
        with (self.folder / "broker.out").open("ab") as out:
            process = subprocess.Popen([*java, "kafka.Kafka", str(config)], stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = process.pid
        deadline = started + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(f"broker exited with code {process.returncode}; see {self.log_file} and "
                                  f"{self.folder / 'broker.out'}")
            if port_open(self.port) and self._answers():
                self.start_seconds = time.monotonic() - started
                return self
            time.sleep(0.1)
        self.stop()
        raise BrokerError(f"broker did not answer on {self.bootstrap_servers} within {timeout:.0f}s; see {self.log_file}")

    def _configure(self) -> Path:
        """server.properties for this port (the controller's port is kept with the data) and a log4j2 file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        controller_file = self.folder / "controller.port"
        if not controller_file.exists() or port_open(int(controller_file.read_text())):
            controller_file.write_text(str(free_port()))
        config = self.folder / "server.properties"
        config.write_text(SERVER_PROPERTIES.format(host=HOST, port=self.port, data=self.folder / "data",
                                                   controller_port=controller_file.read_text().strip()))
        (self.folder / "log4j2.properties").write_text(LOG4J.format(log=self.log_file))
        return config

    def _answers(self) -> bool:
        from confluent_kafka.admin import AdminClient

        try:
            metadata = AdminClient({"bootstrap.servers": self.bootstrap_servers}).list_topics(timeout=2)
            return bool(metadata.brokers)
        except Exception:  # noqa: BLE001 - not ready yet
            return False

    def stop(self, timeout: float = 10.0) -> None:
        if self.pid is None:
            return
        stop_pid(self.pid, timeout)
        self.pid = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout``; reaps our own children."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return
        except ChildProcessError:  # not our child: poll for existence
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class BrokerService:
    """`streamscore broker start|stop|status`: one background broker per project, tracked by a pid file."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.pid_file = state_dir / "broker.pid"

    def status(self) -> tuple[int, int] | None:
        """(pid, port) of the running broker, or None."""
        if not self.pid_file.exists():
            return None
        pid, port = (int(x) for x in self.pid_file.read_text().split())
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            self.pid_file.unlink()
            return None
        return pid, port

    def start(self, port: int) -> LocalBroker:
        running = self.status()
        if running:
            raise BrokerError(f"a broker is already running (pid {running[0]}) on {HOST}:{running[1]}")
        broker = LocalBroker(port, self.state_dir / "broker").start()
        self.pid_file.write_text(f"{broker.pid} {port}\n")
        return broker

    def stop(self) -> bool:
        running = self.status()
        if not running:
            return False
        stop_pid(running[0])
        self.pid_file.unlink(missing_ok=True)
        return True


def ensure_local_broker(profile, state_dir: Path, topics: list[str], log=print) -> None:
    """For a profile with ``local_broker``: start the broker on its 127.0.0.1 port unless something
    answers there, and create the topics the job uses."""
    from streamscore.kafka.client import ensure_topics

    host, _, port = (profile.bootstrap_servers or "").rpartition(":")
    if host not in (HOST, "localhost") or not port.isdigit():
        raise BrokerError(f"profile {profile.name}: the local broker listens on {HOST}:PORT, "
                          f"not {profile.bootstrap_servers!r}")
    if not port_open(int(port)):
        broker = BrokerService(state_dir).start(int(port))
        log(f"broker: started the local broker on {broker.bootstrap_servers} (pid {broker.pid}; "
            "`streamscore broker stop` stops it)")
    ensure_topics(profile.bootstrap_servers, topics, partitions=profile.partitions)
