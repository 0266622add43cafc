"""The JVM side of streamscore, built with Maven from the repository's ``jvm/`` folder.

- ``jvm/pom.xml`` builds streamscore's own jar (code that runs inside Flink) and copies Flink's Kafka
  connector and the Kafka clients it is built against from Maven Central;
- ``jvm/kafka-broker/pom.xml`` copies Apache Kafka's runtime classpath (the local broker);
- ``jvm/sql-client/pom.xml`` copies Flink's SQL gateway, which the wheel's SQL client needs to start;
- ``jvm/k8s-schema/pom.xml`` copies the Flink Kubernetes Operator's API jar (the FlinkDeployment CRD schema
  the tests check ``streamscore k8s`` manifests against).

Everything lands in ``<venv>/share/streamscore`` so a venv carries it: ``flink/`` holds the jars a
Flink job needs (``streamscore classpath`` prints them), ``metrics/`` the reporter of a run's final counts,
``kafka/`` the broker's classpath, ``sql-client/``
what ``streamscore sql`` adds to PyFlink's distribution. Maven
checks every artifact's checksum (``--strict-checksums``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from streamscore.errors import SetupError

STREAMSCORE_JAR = "streamscore-jvm.jar"
METRICS_JAR = "streamscore-jvm-metrics.jar"  # the reporter alone, for the JVM's own classpath
FLINK_JARS = "flink"
METRICS = "metrics"
BROKER_CLASSPATH = "kafka"
SQL_CLIENT_JARS = "sql-client"
K8S_SCHEMA = "k8s"


def vendor_dir() -> Path:
    return Path(os.environ.get("STREAMSCORE_VENDOR_DIR", Path(sys.prefix) / "share" / "streamscore"))


def jvm_sources() -> Path:
    """The Maven module: beside ``src/`` in a checkout (streamscore installs editable from one)."""
    return Path(os.environ.get("STREAMSCORE_JVM_SOURCES", Path(__file__).resolve().parents[2] / "jvm"))


def flink_jars() -> list[Path]:
    """Every jar a Flink job of a streamscore project needs beside Flink itself: the Kafka connector,
    the Kafka clients and streamscore's own jar (the JVM model scorer)."""
    folder = _require(FLINK_JARS)
    jars = sorted(folder.glob("*.jar"))
    if not any(j.name == STREAMSCORE_JAR for j in jars) or len(jars) < 3:
        raise SetupError(f"{folder} is incomplete: run `python -m streamscore.vendor` (or `make setup`)")
    return jars


def streamscore_jar() -> Path:
    return _require(f"{FLINK_JARS}/{STREAMSCORE_JAR}")


def metrics_reporter_jar() -> Path:
    return _require(f"{METRICS}/{METRICS_JAR}")


def broker_classpath() -> str:
    return str(_require(BROKER_CLASSPATH) / "*")


def sql_client_jars() -> list[Path]:
    jars = sorted(_require(SQL_CLIENT_JARS).glob("*.jar"))
    if not jars:
        raise SetupError(f"{vendor_dir() / SQL_CLIENT_JARS} is empty: run `python -m streamscore.vendor`")
    return jars


def flink_deployment_crd() -> Path:
    """The Flink Kubernetes Operator's API jar (its META-INF/fabric8 holds the CRDs)."""
    jars = sorted(_require(K8S_SCHEMA).glob("flink-kubernetes-operator-api-*.jar"))
    if not jars:
        raise SetupError(f"{vendor_dir() / K8S_SCHEMA} is empty: run `python -m streamscore.vendor`")
    return jars[-1]


def _require(name: str) -> Path:
    path = vendor_dir() / name
    if not path.exists():
        raise SetupError(f"{path} is missing: run `python -m streamscore.vendor` (or `make setup`) to build it")
    return path


def _maven(pom: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise SetupError("Maven (`mvn`) is not installed: streamscore's JVM module and Kafka come from Maven Central")
    print(f"streamscore: mvn package {pom.parent}", file=sys.stderr)
    result = subprocess.run([mvn, "-B", "-q", "--strict-checksums", "-f", str(pom), "package"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise SetupError(f"Maven failed to build {pom}:\n{result.stdout[-4000:]}")


def install(target: Path | None = None) -> list[Path]:
    """Build the Maven module and the broker classpath; copy their jars into the vendor folder."""
    target = target or vendor_dir()
    sources = jvm_sources()
    if not (sources / "pom.xml").exists():
        raise SetupError(f"no Maven module at {sources}: streamscore installs from a checkout (`make setup`)")
    _maven(sources / "pom.xml")
    _maven(sources / "kafka-broker" / "pom.xml")
    _maven(sources / "sql-client" / "pom.xml")
    _maven(sources / "k8s-schema" / "pom.xml")
    built = {
        FLINK_JARS: [sources / "target" / STREAMSCORE_JAR, *sorted((sources / "target" / "connector").glob("*.jar"))],
        METRICS: [sources / "target" / METRICS_JAR],
        BROKER_CLASSPATH: sorted((sources / "kafka-broker" / "target" / "lib").glob("*.jar")),
        SQL_CLIENT_JARS: sorted((sources / "sql-client" / "target" / "lib").glob("*.jar")),
        K8S_SCHEMA: sorted((sources / "k8s-schema" / "target" / "lib").glob("*.jar")),
    }
    installed = []
    for folder, jars in built.items():
        out = target / folder
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for jar in jars:
            shutil.copy2(jar, out / jar.name)
            installed.append(out / jar.name)
    return installed


if __name__ == "__main__":
    for p in install():
        print(p)
