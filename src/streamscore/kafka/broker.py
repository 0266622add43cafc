"""The local Kafka-compatible broker: tansu (Rust, Kafka wire protocol), memory storage, 127.0.0.1 only.

It is the default for the `local` profile, not a special case: everything else talks to it through
the Kafka protocol with bootstrap servers from configuration, as it would to any Kafka cluster.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from streamscore.errors import BrokerError
from streamscore.vendor import tansu_binary

HOST = "127.0.0.1"


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
    """A tansu process. ``start()`` returns once it answers Kafka metadata requests."""

    port: int
    log_file: Path
    pid: int | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    def start(self, timeout: float = 20.0) -> "LocalBroker":
        if port_open(self.port):
            raise BrokerError(f"port {self.port} on {HOST} is already in use (`streamscore broker status`?)")
        url = f"tcp://{HOST}:{self.port}"
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.pid = process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(f"broker exited with code {process.returncode}; see {self.log_file}")
            if port_open(self.port) and self._answers():
                return self
            time.sleep(0.1)
        self.stop()
        raise BrokerError(f"broker did not answer on {self.bootstrap_servers} within {timeout:.0f}s; see {self.log_file}")

    def _answers(self) -> bool:
        from confluent_kafka.admin import AdminClient

        try:
            AdminClient({"bootstrap.servers": self.bootstrap_servers}).list_topics(timeout=2)
            return True
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
        broker = LocalBroker(port, self.state_dir / "broker.log").start()
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
    answers there, and create the topics the job uses (the local broker keeps nothing across restarts)."""
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
