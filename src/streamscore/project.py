"""A streamscore project: sql/ (tables, jobs), udfs/ (model functions), connectors/ (profiles)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from streamscore.config import Profile
from streamscore.errors import ConfigError
from streamscore.sql.statements import Job, parse_job


@dataclass(frozen=True)
class Project:
    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    @classmethod
    def find(cls, start: Path | str = ".") -> "Project":
        """The project holding ``start``: the nearest folder upwards with sql/ and connectors/."""
        start = Path(start).resolve()
        for folder in [start, *start.parents]:
            if (folder / "sql").is_dir() and (folder / "connectors").is_dir():
                return cls(folder)
        raise ConfigError(f"{start} is not inside a streamscore project (no sql/ and connectors/ folders above it)")

    @property
    def table_files(self) -> list[Path]:
        return sorted((self.root / "sql").glob("*.sql"))

    def job(self, path: Path | str) -> Job:
        path = Path(path)
        if not path.is_absolute() and (self.root / path).exists():
            path = self.root / path  # relative to the project first, then to the current folder
        if not path.exists():
            raise ConfigError(f"job file {path} does not exist")
        self.import_udfs()
        path = path.resolve()
        # A replay test case: the corpus (the outermost folder above it holding tables.sql) and its groups
        # declare the tables.
        corpora = [f for f in path.parents[1:] if (f / "tables.sql").exists() and
                   (f == self.root or self.root in f.parents)]
        if path.name == "job.sql" and corpora:
            from streamscore.cases import Case

            return Case(path.parent, corpora[-1]).job()
        return parse_job(path, self.table_files)

    def tables_job(self, extra: list[Path] = ()) -> Job:
        """A job holding only tables: those of sql/*.sql and of ``extra`` files (no job needed)."""
        extra_resolved = {Path(e).resolve() for e in extra}
        files = [f for f in self.table_files if f.resolve() not in extra_resolved] + [Path(e) for e in extra]
        if not files:
            raise ConfigError(f"no tables: {self.root / 'sql'} holds no .sql file")
        self.import_udfs()
        return parse_job(files[-1], files[:-1])

    def profile(self, name: str) -> Profile:
        return Profile.load(self.root / "connectors" / f"{name}.toml", self.root)

    def replay_clock(self, given: str | None = None):
        """The replay's clock (streamscore.sql.clock): ``given`` (--clock), else ``clock`` in
        connectors/replay.toml, else None (clock functions refused)."""
        from streamscore.sql.clock import parse_clock

        if given is None and (self.root / "connectors" / "replay.toml").exists():
            given = self.profile("replay").clock
        return parse_clock(given) if given else None

    def import_udfs(self) -> None:
        """Make this project's ``udfs.*`` importable here, as Flink's python.files does for workers."""
        loaded = sys.modules.get("udfs")
        if loaded is not None and Path(loaded.__file__).resolve().parent != (self.root / "udfs").resolve():
            # Another project's udfs were imported in this process: forget them.
            for name in [m for m in sys.modules if m == "udfs" or m.startswith("udfs.")]:
                del sys.modules[name]
        if str(self.root) in sys.path:
            sys.path.remove(str(self.root))
        sys.path.insert(0, str(self.root))

    @property
    def build_dir(self) -> Path:
        return self.root / "build"
