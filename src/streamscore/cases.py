"""Replay test cases (ksqlDB-style): a job, small input files, the expected rows per sink.

Three forms, found below a corpus folder (tests/replay):
- a folder holding ``job.sql``: a job written for the case, its tables in the ``tables.sql`` of the corpus
  and of each group folder between (shared by the cases below them);
- a folder holding ``case.toml`` with ``job = "sql/jobs/<job>.sql"``: the project's own job and tables,
  so the case follows the job as it changes;
for both, inputs are ``inputs/<table>.{jsonl,csv,parquet}`` (the nearest folder's file wins) and expected
rows ``expected/<sink>.jsonl``, or, for data a replay cannot reproduce, ``expected/refused.txt``: text the
DuckDB replay's error must hold, while Flink must run the case; or, for a job whose run Flink fails
(a NULL into a NOT NULL sink column), ``expected/failed.txt``: text both engines' errors must hold; or, for a
job Flink refuses,
``expected/rejected.txt``: "LINE:COLUMN message" that Flink's check must report, the gate before any
replay. Expected rows of these come from Flink (``streamscore test --regenerate``) and are committed;
- an inline case, any other ``<name>.toml``: ``job = ...``, a few ``[[given.<table>]]`` rows per source
  (a source without rows is empty) and the ``[[expect.<sink>]]`` rows, written by the user (dbt unit
  tests, ksqlDB's test runner): the sinks named are compared, on the columns the rows name.
A case passes on an engine when that engine gives exactly the expected rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlglot import exp

from streamscore.config import FILE_FORMATS
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError, StreamscoreError
from streamscore.replay import DEFAULT_TOLERANCE, SinkDiff, compare_tables
from streamscore.sql.statements import ColumnDef, Job, TableDef, parse_job

JOB_FILE = "job.sql"
CASE_FILE = "case.toml"  # a case of the project's own job
SHARED_TABLES = "tables.sql"
REFUSED = "refused.txt"
REJECTED = "rejected.txt"
FAILED = "failed.txt"
FINGERPRINT = "fingerprint.txt"  # what Flink's expected rows were written from (``Case.fingerprint``)


def fingerprint(parts: list[tuple[str, bytes]]) -> str:
    """A digest of named ``parts`` (files' contents, statements' texts) and of the Flink that runs them: it
    changes when anything Flink's recorded output depends on changes, so a record made from something else
    shows."""
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256(f"apache-flink {version('apache-flink')}\n".encode())
    for name, content in parts:
        digest.update(f"{name}\n".encode() + content + b"\n")
    return digest.hexdigest()


def file_parts(files: list[Path]) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in files]


@dataclass(frozen=True)
class Case:
    folder: Path
    corpus: Path

    @property
    def name(self) -> str:
        return self.folder.name if self.folder == self.corpus else str(self.folder.relative_to(self.corpus))

    @property
    def family(self) -> str:
        """The group folder a case is in, or its name's prefix (``fn_``, ``window_``, ...) at the top."""
        parts = Path(self.name).parts
        return parts[0] if len(parts) > 1 else self.name.split("_")[0]

    @property
    def refusal(self) -> str | None:
        """For a case the replay must refuse (``expected/refused.txt``): text its error must hold."""
        path = self.expected_dir / REFUSED
        return path.read_text().strip() if path.exists() else None

    @property
    def failure(self) -> str | None:
        """For a job whose run Flink fails (``expected/failed.txt``): text both engines' errors must hold."""
        path = self.expected_dir / FAILED
        return path.read_text().strip() if path.exists() else None

    @property
    def rejection(self) -> tuple[str, str] | None:
        """For a job Flink refuses (``expected/rejected.txt``): (line:column, text) its check must report."""
        path = self.expected_dir / REJECTED
        if not path.exists():
            return None
        place, _, message = path.read_text().strip().partition(" ")
        return place, message

    @property
    def job_file(self) -> Path:
        return self.folder / JOB_FILE

    @property
    def expected_dir(self) -> Path:
        return self.folder / "expected"

    def shared_folders(self) -> list[Path]:
        """The corpus and the group folders between it and the case, outermost first."""
        if self.folder == self.corpus:
            return []
        parents = [p for p in self.folder.parents if p == self.corpus or self.corpus in p.parents]
        return list(reversed(parents))

    def table_files(self) -> list[Path]:
        return [f / SHARED_TABLES for f in self.shared_folders() if (f / SHARED_TABLES).exists()]

    def job(self) -> Job:
        if (self.folder / CASE_FILE).exists():
            return project_job(self.folder / CASE_FILE, _read_toml(self.folder / CASE_FILE))
        return parse_job(self.job_file, self.table_files())

    def expected_rows(self, sink: TableDef, workdir: Path) -> pd.DataFrame:
        expected_file = self.expected_dir / f"{sink.name}.jsonl"
        if not expected_file.exists():
            raise ConfigError(f"case {self.name}: {expected_file} is missing (run `streamscore test "
                              f"{self.folder} --regenerate` to write it from Flink)")
        return read_expected(sink, expected_file)

    def sinks(self, job: Job) -> list[TableDef]:
        return job.sinks

    def fingerprint(self) -> str:
        """Of what the case's Flink replay reads: its job file, the tables it uses (their statements: a table
        added beside them changes nothing), the case folder's files and its inputs."""
        job = self.job()
        used = {t.name for t in [*job.sources, *job.sinks]}
        used |= {job.tables[name].like.base for name in list(used) if job.tables[name].like}
        tables = [(f"table {name}", job.tables[name].statement.text.encode()) for name in sorted(used)]
        own = sorted(f for f in self.folder.rglob("*") if f.is_file() and self.expected_dir not in f.parents)
        inputs = [Path(p).resolve() for _, p in sorted(self.inputs(job).items())]
        files = list(dict.fromkeys([Path(job.path).resolve(), *own, *inputs]))
        return fingerprint(tables + file_parts(files))

    @property
    def recorded_fingerprint(self) -> str | None:
        path = self.expected_dir / FINGERPRINT
        return path.read_text().strip() if path.exists() else None

    def inputs(self, job: Job, workdir: Path | None = None) -> dict[str, Path]:
        found = {}
        for source in job.sources:
            for folder in [self.folder / "inputs", *(f / "inputs" for f in reversed(self.shared_folders()))]:
                matches = [folder / f"{source.name}{ext}" for ext in FILE_FORMATS if (folder / f"{source.name}{ext}").exists()]
                if matches:
                    found[source.name] = matches[0]
                    break
            else:
                raise ConfigError(f"case {self.name}: no input file for source `{source.name}` "
                                  f"(inputs/{source.name}.jsonl in the case or the corpus)")
        return found


def discover(path: Path) -> list[Case]:
    """The case at ``path`` (a case folder or an inline case file), or every case below it (by name)."""
    path = Path(path).resolve()
    if not path.exists():
        raise ConfigError(f"no replay case at {path}: no such file or folder")
    if path.suffix == ".toml" and path.name != CASE_FILE:
        return [InlineCase(path.parent, path.parent, path)]
    if (path / JOB_FILE).exists() or (path / CASE_FILE).exists():
        corpus = path  # the outermost of the folders above the case that share tables or inputs
        while (corpus.parent / SHARED_TABLES).exists() or (corpus.parent / "inputs").is_dir():
            corpus = corpus.parent
        # and, as Project.job finds it, the outermost holding tables.sql even past a group folder that shares
        # nothing (tests/replay/rejected/x reads tests/replay's tables)
        tables = [p for p in path.parents if (p / SHARED_TABLES).exists()]
        if tables and tables[-1] in corpus.parents:
            corpus = tables[-1]
        return [Case(path, corpus)]
    folders = {f.parent for name in (JOB_FILE, CASE_FILE) for f in path.rglob(name)}
    cases = [Case(folder, path) for folder in folders]
    cases += [InlineCase(f.parent, path, f) for f in path.rglob("*.toml")
              if f.name != CASE_FILE and not any(p in folders for p in f.parents)]
    if not cases:
        raise ConfigError(f"no replay cases under {path} (a case is a folder with {JOB_FILE} or {CASE_FILE}, "
                          "or an inline <name>.toml)")
    return sorted(cases, key=lambda c: c.name)


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None


def project_job(spec_file: Path, spec: dict) -> Job:
    """The job a case names (``job = "sql/jobs/x.sql"``, relative to the project holding the case)."""
    from streamscore.project import Project

    if not isinstance(spec.get("job"), str):
        raise ConfigError(f"{spec_file}: name the job it tests: job = \"sql/jobs/<job>.sql\"")
    project = Project.find(spec_file.parent)
    path = project.root / spec["job"]
    if not path.exists():
        raise ConfigError(f"{spec_file}: job {spec['job']} does not exist in the project {project.root}")
    return project.job(path)


@dataclass(frozen=True)
class InlineCase(Case):
    """A case in one TOML file: the job it tests, a few rows per source, the expected rows per sink."""

    spec_file: Path | None = None

    @property
    def name(self) -> str:
        return str(self.spec_file.relative_to(self.corpus).with_suffix(""))

    @property
    def family(self) -> str:
        return "inline"

    @property
    def refusal(self) -> str | None:
        return None

    @property
    def failure(self) -> str | None:
        return None

    @property
    def rejection(self) -> tuple[str, str] | None:
        return None

    @property
    def spec(self) -> dict:
        spec = _read_toml(self.spec_file)
        unknown = set(spec) - {"job", "given", "expect", "description"}
        if unknown:
            raise ConfigError(f"{self.spec_file}: unknown keys {sorted(unknown)} (job, given, expect, description)")
        if not spec.get("expect"):
            raise ConfigError(f"{self.spec_file}: no [[expect.<sink>]] rows: name at least one sink's rows")
        for part in ("given", "expect"):
            tables = spec.get(part, {})
            if not isinstance(tables, dict) or not all(
                    isinstance(rows, list) and all(isinstance(row, dict) for row in rows) for rows in tables.values()):
                raise ConfigError(f"{self.spec_file}: `{part}` holds rows per table: [[{part}.<table>]] then "
                                  "column = value lines")
        return spec

    def job(self) -> Job:
        return project_job(self.spec_file, self.spec)

    def sinks(self, job: Job) -> list[TableDef]:
        expect = self.spec["expect"]
        unknown = [name for name in expect if name not in {s.name for s in job.sinks}]
        if unknown:
            raise ConfigError(f"{self.spec_file}: [expect] names {', '.join(unknown)}, not a sink of {job.name} "
                              f"(its sinks: {', '.join(s.name for s in job.sinks)})")
        return [s for s in job.sinks if s.name in expect]

    def inputs(self, job: Job, workdir: Path | None = None) -> dict[str, Path]:
        given = self.spec.get("given", {})
        unknown = [name for name in given if name not in {s.name for s in job.sources}]
        if unknown:
            raise ConfigError(f"{self.spec_file}: [given] names {', '.join(unknown)}, not a source of {job.name} "
                              f"(its sources: {', '.join(s.name for s in job.sources)})")
        folder = Path(workdir) / "given"
        folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for source in job.sources:  # a source without given rows is empty
            files[source.name] = folder / f"{source.name}.jsonl"
            _write_rows(given.get(source.name, []), files[source.name])
        return files

    def expected_rows(self, sink: TableDef, workdir: Path) -> pd.DataFrame:
        rows = self.spec["expect"][sink.name]
        declared = [c.name for c in sink.columns if c.is_physical]
        named = list(dict.fromkeys(k for row in rows for k in row))
        unknown = [c for c in named if c not in declared]
        if unknown:
            raise ConfigError(f"{self.spec_file}: expect.{sink.name} names {', '.join(unknown)}, not a column of "
                              f"{sink.name} ({', '.join(declared)})")
        path = Path(workdir) / "expect" / f"{sink.name}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_rows(rows, path)
        return read_expected(sink, path)[[c for c in declared if c in named]]


def _write_rows(rows: list[dict], path: Path) -> None:
    """TOML rows as JSON Lines: TOML dates and times in the text Flink's JSON format reads."""
    def text(value):
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
        return value

    path.write_text("".join(json.dumps({k: text(v) for k, v in row.items()}) + "\n" for row in rows))


def read_expected(sink: TableDef, path: Path) -> pd.DataFrame:
    """Expected rows (JSON Lines), typed by the sink's declared columns as a replay's output is."""
    con = duckdb.connect()
    # Through Arrow, as a replay's Parquet output is read, so both sides have the same pandas types.
    table = con.sql(DuckDBEngine.physical_columns_sql(sink, path, "json", sink=True)).to_arrow_table()
    con.close()
    return table.to_pandas()


def _typed_as(sink: TableDef, parquet: Path) -> TableDef:
    """The sink with the columns of a replay's output file (a CREATE TABLE ... AS SELECT declares none)."""
    con = duckdb.connect()
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(parquet)]).fetchall()
    con.close()
    columns = [ColumnDef(name, exp.DataType.build(dtype, dialect="duckdb")) for name, dtype, *_ in described]
    return dataclasses.replace(sink, columns=columns)


def write_expected(parquet: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}') ORDER BY ALL) TO '{path}' "
                "(FORMAT json, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%g')")
    con.close()


@dataclass
class CaseResult:
    case: Case
    engine: str
    diffs: list[SinkDiff] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.error and all(d.equal for d in self.diffs)


def run_case(case: Case, engine, workdir: Path, tolerance: float = DEFAULT_TOLERANCE, check=None) -> CaseResult:
    """Replay the case on ``engine`` and compare every sink with its expected rows. ``check`` (a
    replay.FlinkCheck): Flink plans the job first, and its rejection fails the case."""
    result = CaseResult(case, engine.name)
    started = time.perf_counter()
    if case.rejection is not None:
        return _run_rejected_case(case, engine, result, started, check)
    try:
        job = case.job()  # one: Flink's check tells the replay what its plan decides (Job.sink_timestamps)
        if check is not None:
            check(job)
    except StreamscoreError as error:
        result.error = f"Flink rejects the job: {error}" if check is not None else str(error)
        result.seconds = time.perf_counter() - started
        return result
    if case.refusal is not None or case.failure is not None:
        return _run_refused_case(case, job, engine, workdir, result, started)
    try:
        replay = engine.replay(job, case.inputs(job, workdir), workdir / "replay")
        for sink in case.sinks(job):
            if sink.as_select is not None and not sink.columns:  # a CTAS table in the replay's own types
                sink = _typed_as(sink, replay.sinks[sink.name])
            expected = case.expected_rows(sink, workdir)
            actual = pd.read_parquet(replay.sinks[sink.name])[list(expected.columns)]
            result.diffs.append(compare_tables(sink.name, expected, actual, tolerance))
    except StreamscoreError as error:
        result.error = str(error)
    except Exception as error:  # a bug in streamscore: report it against this case and go on
        result.error = f"internal error: {type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - started
    return result


def _run_refused_case(case: Case, job: Job, engine, workdir: Path, result: CaseResult, started: float) -> CaseResult:
    """A case whose data Flink runs but a replay cannot reproduce (arrival-order ties): the DuckDB replay
    must fail with the expected reason; Flink must run it. A case whose run Flink fails: both must fail so."""
    reason = case.failure or case.refusal
    must_fail = case.failure is not None or engine.name == "duckdb"
    try:
        engine.replay(job, case.inputs(job), workdir)
        if must_fail:
            result.error = f"case {case.name}: the {engine.name} replay ran, but it should fail: {reason}"
    except StreamscoreError as error:
        if not must_fail or reason not in str(error):
            result.error = str(error)
    result.seconds = time.perf_counter() - started
    return result


def _run_rejected_case(case: Case, engine, result: CaseResult, started: float, check) -> CaseResult:
    """A job Flink refuses: its check (the one `run` plans with, in Flink) must report the expected message at
    the expected place; a DuckDB replay is gated by that check, so it needs one."""
    from streamscore.replay import FlinkCheck

    place, message = case.rejection
    if check is None and engine.name == "flink":
        check = FlinkCheck(engine.project, engine=engine)
    if check is None:
        result.error = f"case {case.name}: Flink rejects this job, and only Flink's check (without --no-check) tells"
    else:
        try:
            check(case.job())
            result.error = f"case {case.name}: Flink planned the job, but it should reject it: {message}"
        except StreamscoreError as error:
            if f"{case.job_file}:{place}: " not in str(error) or message not in str(error):
                result.error = f"expected Flink's rejection at {place}: {message}; got: {error}"
    result.seconds = time.perf_counter() - started
    return result


def mismatches(diff: SinkDiff, limit: int = 10) -> list[str]:
    """Where the rows of a sink differ, named by row and column: "row 2 (customer='ana', ...): total
    expected 30.5, got 35.0". Rows are paired in the order the comparison sorted them; with counts that
    differ, the rows one side lacks are named instead."""
    expected, actual = diff.only_left.reset_index(drop=True), diff.only_right.reset_index(drop=True)
    if len(expected) != len(actual):
        return [f"{diff.sink}: expected {diff.left_rows} rows, got {diff.right_rows}"]
    lines = []
    for index in range(min(len(expected), limit)):
        want, got = expected.iloc[index], actual.iloc[index]
        differing = [c for c in expected.columns if not _same_value(want[c], got[c])]
        same = ", ".join(f"{c}={_show(want[c])}" for c in expected.columns if c not in differing)
        lines.append(f"{diff.sink} row ({same}): " + "; ".join(
            f"{c} expected {_show(want[c])}, got {_show(got[c])}" for c in differing))
    return lines


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return str(value)
    return str(value.item() if hasattr(value, "item") else value)


def _same_value(a, b) -> bool:
    missing_a, missing_b = _missing(a), _missing(b)
    if missing_a or missing_b:
        return missing_a and missing_b
    try:
        return bool(a == b) or (isinstance(a, float) and isinstance(b, float) and abs(a - b) <= DEFAULT_TOLERANCE)
    except (TypeError, ValueError):  # nested values: compared as printed
        return str(a) == str(b)


def _missing(value) -> bool:
    """NULL or NaN (of a scalar: pd.isna of a list or an array answers per element)."""
    return not isinstance(value, (str, bytes, list, tuple, dict, np.ndarray)) and bool(pd.isna(value))


def regenerate(case: Case, flink_engine, workdir: Path) -> dict[str, int]:
    """Write the case's expected rows from a Flink replay (Flink is the oracle)."""
    if case.rejection is not None or isinstance(case, InlineCase):
        return {}  # Flink refuses it, or the user wrote the expected rows: nothing to record
    job = case.job()
    if case.failure is not None:  # Flink must still fail the run as recorded
        try:
            flink_engine.replay(job, case.inputs(job), workdir)
        except StreamscoreError as error:
            if case.failure not in str(error):
                raise
        else:
            raise ConfigError(f"case {case.name}: Flink ran the job, but expected/{FAILED} says it fails")
        (case.expected_dir / FINGERPRINT).write_text(case.fingerprint() + "\n")
        return {}
    replay = flink_engine.replay(job, case.inputs(job), workdir)
    case.expected_dir.mkdir(parents=True, exist_ok=True)
    (case.expected_dir / FINGERPRINT).write_text(case.fingerprint() + "\n")
    if case.refusal is not None:
        return replay.rows  # the replay must refuse this case: no rows to keep
    for stale in case.expected_dir.glob("*.jsonl"):
        stale.unlink()
    for sink, parquet in replay.sinks.items():
        write_expected(parquet, case.expected_dir / f"{sink}.jsonl")
    return replay.rows
