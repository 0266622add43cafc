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


@dataclass
class Profile:
    name: str
    kind: str  # "kafka" or "files"
    root: Path
    bootstrap_servers: str | None = None
    local_broker: bool = False  # start the local broker (127.0.0.1) when it is not running
    partitions: int = 1  # for topics streamscore creates
    options: dict[str, str] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)

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
            options={k: expand_env(str(v), where) for k, v in raw.get("options", {}).items()},
            tables={t: {k: expand_env(str(v), where) for k, v in opts.items()}
                    for t, opts in raw.get("tables", {}).items()},
        )

    def kafka_options(self, table: str, declared: dict[str, str]) -> dict[str, str]:
        """A Kafka table's WITH options: as declared in SQL, then the profile's, then per table."""
        merged = dict(declared)
        if self.bootstrap_servers:
            merged["properties.bootstrap.servers"] = self.bootstrap_servers
        merged.update(self.options)
        merged.update(self.tables.get(table, {}))
        return merged

    def file_for(self, table: str) -> Path | None:
        path = self.tables.get(table, {}).get("path")
        return (self.root / path) if path else None
