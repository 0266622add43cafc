"""Connection profiles (connectors/<name>.toml): where each table lives in one environment.

The SQL never changes between profiles. A ``kafka`` profile merges its options into every Kafka
table's WITH clause (bootstrap servers, group id, security); a ``files`` profile binds tables to
files for replay. Values may use ``${VAR}`` or ``${VAR:-default}`` from the environment.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from streamscore.errors import ConfigError

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

FILE_FORMATS = {".jsonl": "json", ".json": "json", ".ndjson": "json", ".csv": "csv", ".parquet": "parquet"}


def expand_env(value: str, where: str) -> str:
    def substitute(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        return default

    return _ENV_REF.sub(substitute, value)


def file_format(path: Path) -> str:
    try:
        return FILE_FORMATS[path.suffix.lower()]
    except KeyError:
        raise ConfigError(f"{path}: unknown file type {path.suffix!r}; use one of "
                          f"{', '.join(sorted(FILE_FORMATS))}") from None


class Secret:
    """A credential: printed, logged and repr'd as ******; ``reveal()`` where a client needs it."""

    _known: set[str] = set()

    def __init__(self, value: str):
        self._value = value
        if value:
            Secret._known.add(value)

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('******')"

    __str__ = __repr__


def redact(text: str) -> str:
    """``text`` with every credential streamscore has read replaced by ******."""
    for value in sorted(Secret._known, key=len, reverse=True):
        text = text.replace(value, "******")
    return text


@dataclass(frozen=True)
class Security:
    """How clients authenticate to Kafka; values usually come from the environment."""

    protocol: str = "PLAINTEXT"  # PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
    sasl_mechanism: str = ""     # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    username: str = ""
    password: Secret = field(default_factory=lambda: Secret(""))
    ssl_ca_location: str = ""    # a PEM file of the CA certificates to trust

    JAAS_MODULES = {"PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
                    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
                    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule"}

    def flink_properties(self) -> dict[str, str]:
        """For a Flink Kafka table's WITH clause (Java client properties under ``properties.``)."""
        props = {"properties.security.protocol": self.protocol}
        if self.protocol.startswith("SASL"):
            module = self.JAAS_MODULES.get(self.sasl_mechanism.upper())
            if module is None:
                raise ConfigError(f"SASL mechanism {self.sasl_mechanism!r}: use one of {', '.join(self.JAAS_MODULES)}")
            props["properties.sasl.mechanism"] = self.sasl_mechanism.upper()
            props["properties.sasl.jaas.config"] = (f'{module} required username="{self.username}" '
                                                    f'password="{self.password.reveal()}";')
        if self.ssl_ca_location:
            props["properties.ssl.truststore.type"] = "PEM"
            props["properties.ssl.truststore.location"] = self.ssl_ca_location
        return props

    def client_config(self) -> dict[str, str]:
        """For streamscore's own clients (librdkafka: produce, read back, offsets)."""
        config = {"security.protocol": self.protocol}
        if self.protocol.startswith("SASL"):
            config.update({"sasl.mechanisms": self.sasl_mechanism.upper(), "sasl.username": self.username,
                           "sasl.password": self.password.reveal()})
        if self.ssl_ca_location:
            config["ssl.ca.location"] = self.ssl_ca_location
        return config


@dataclass
class Profile:
    name: str
    kind: str  # "kafka" or "files"
    root: Path
    bootstrap_servers: str | None = None
    local_broker: bool = False  # start the local broker (127.0.0.1) when it is not running
    partitions: int = 1  # for topics streamscore creates
    dead_letter_topic: str = ""  # where malformed source records go ("": Flink's format fails the job on them)
    max_record_bytes: int = 1 << 20  # a larger source record is a dead letter
    late_topic: str = ""  # where a copy of rows read behind their source's watermark goes ("": none)
    security: Security = field(default_factory=Security)
    options: dict[str, str] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    clock: str | None = None  # files profiles: the replay's clock (streamscore.sql.clock)

    @classmethod
    def load(cls, path: Path, root: Path) -> "Profile":
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError:
            names = sorted(p.stem for p in path.parent.glob("*.toml"))
            raise ConfigError(f"no profile {path.stem!r} in {path.parent} (profiles: {', '.join(names) or 'none'})") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: {error}") from None
        kind = raw.get("kind")
        if kind not in ("kafka", "files"):
            raise ConfigError(f"{path}: kind must be 'kafka' or 'files', not {kind!r}")
        where = str(path)
        servers = raw.get("bootstrap_servers")
        return cls(
            name=path.stem,
            kind=kind,
            root=root,
            bootstrap_servers=expand_env(servers, where) if servers else None,
            local_broker=bool(raw.get("local_broker", False)),
            partitions=int(raw.get("partitions", 1)),
            dead_letter_topic=expand_env(str(raw.get("dead_letter_topic", "")), where),
            max_record_bytes=int(raw.get("max_record_bytes", 1 << 20)),
            late_topic=expand_env(str(raw.get("late_topic", "")), where),
            security=_security(raw.get("security", {}), where),
            options={k: expand_env(str(v), where) for k, v in raw.get("options", {}).items()},
            tables={t: {k: expand_env(str(v), where) for k, v in opts.items()}
                    for t, opts in raw.get("tables", {}).items()},
            clock=str(raw["clock"]) if "clock" in raw else None,
        )

    def kafka_options(self, table: str, declared: dict[str, str]) -> dict[str, str]:
        """A Kafka table's WITH options: as declared in SQL, then the profile's, then per table."""
        merged = dict(declared)
        if self.bootstrap_servers:
            merged["properties.bootstrap.servers"] = self.bootstrap_servers
        merged.update(self.security.flink_properties())
        merged.update(self.options)
        merged.update(self.tables.get(table, {}))
        return merged

    def file_for(self, table: str) -> Path | None:
        path = self.tables.get(table, {}).get("path")
        return (self.root / path) if path else None


KAFKA_CONNECTORS = ("kafka", "upsert-kafka")


def is_kafka_table(table) -> bool:
    """A table on a Kafka topic (append or upsert): the profile's connection options apply to it."""
    return table.options.get("connector") in KAFKA_CONNECTORS


def _security(raw: dict, where: str) -> Security:
    values = {k: expand_env(str(v), where) for k, v in raw.items()}
    unknown = set(values) - {"protocol", "sasl_mechanism", "username", "password", "ssl_ca_location"}
    if unknown:
        raise ConfigError(f"{where}: unknown [security] keys {sorted(unknown)}")
    protocol = values.get("protocol", "PLAINTEXT").upper()
    if protocol not in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"):
        raise ConfigError(f"{where}: security protocol {protocol!r}: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
    return Security(protocol=protocol, sasl_mechanism=values.get("sasl_mechanism", ""),
                    username=values.get("username", ""), password=Secret(values.get("password", "")),
                    ssl_ca_location=values.get("ssl_ca_location", ""))
