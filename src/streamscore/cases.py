"""Replay test cases (ksqlDB-style): a job, small input files, the expected rows per sink.

A case is a folder holding ``job.sql``; its inputs are ``inputs/<table>.{jsonl,csv,parquet}`` and its
expected rows ``expected/<sink>.jsonl`` (or, for data a replay cannot reproduce, ``expected/refused.txt``:
text the DuckDB replay's error must hold, while Flink must run the case; or, for a job Flink refuses,
``expected/rejected.txt``: "LINE:COLUMN message" that Flink's check must report, the gate before any replay). A corpus is a folder of cases, possibly in group folders; the
``tables.sql`` and ``inputs/`` of the corpus and of each group are shared by the cases below them (the
nearest input file wins). Expected rows come from Flink
(``streamscore test --regenerate``) and are committed; a case passes on an engine when that engine
gives exactly those rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from streamscore.config import FILE_FORMATS
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError, StreamscoreError
from streamscore.replay import DEFAULT_TOLERANCE, SinkDiff, compare_tables
from streamscore.sql.statements import Job, TableDef, parse_job

JOB_FILE = "job.sql"
SHARED_TABLES = "tables.sql"
REFUSED = "refused.txt"
REJECTED = "rejected.txt"


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
        return parse_job(self.job_file, self.table_files())

    def inputs(self, job: Job) -> dict[str, Path]:
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
    """The case at ``path``, or every case below it (sorted by name)."""
    path = Path(path).resolve()
    if (path / JOB_FILE).exists():
        corpus = path  # the outermost of the folders above the case that share tables
        while (corpus.parent / SHARED_TABLES).exists():
            corpus = corpus.parent
        return [Case(path, corpus)]
    cases = [Case(job.parent, path) for job in sorted(path.rglob(JOB_FILE))]
    if not cases:
        raise ConfigError(f"no replay cases under {path} (a case is a folder with {JOB_FILE})")
    return cases


def read_expected(sink: TableDef, path: Path) -> pd.DataFrame:
    """Expected rows (JSON Lines), typed by the sink's declared columns as a replay's output is."""
    con = duckdb.connect()
    # Through Arrow, as a replay's Parquet output is read, so both sides have the same pandas types.
    table = con.sql(DuckDBEngine.physical_columns_sql(sink, path, "json", sink=True)).to_arrow_table()
    con.close()
    return table.to_pandas()


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
    if check is not None:
        try:
            check(case.job())
        except StreamscoreError as error:
            result.error = f"Flink rejects the job: {error}"
            result.seconds = time.perf_counter() - started
            return result
    if case.refusal is not None:
        return _run_refused_case(case, engine, workdir, result, started)
    try:
        job = case.job()
        replay = engine.replay(job, case.inputs(job), workdir)
        for sink in job.sinks:
            expected_file = case.expected_dir / f"{sink.name}.jsonl"
            if not expected_file.exists():
                raise ConfigError(f"case {case.name}: {expected_file} is missing (run `streamscore test "
                                  f"{case.folder} --regenerate` to write it from Flink)")
            actual = pd.read_parquet(replay.sinks[sink.name])
            result.diffs.append(compare_tables(sink.name, read_expected(sink, expected_file), actual, tolerance))
    except StreamscoreError as error:
        result.error = str(error)
    except Exception as error:  # a bug in streamscore: report it against this case and go on
        result.error = f"internal error: {type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - started
    return result


def _run_refused_case(case: Case, engine, workdir: Path, result: CaseResult, started: float) -> CaseResult:
    """A case whose data Flink runs but a replay cannot reproduce (arrival-order ties): the DuckDB replay
    must fail with the expected reason; Flink must run it."""
    try:
        job = case.job()
        engine.replay(job, case.inputs(job), workdir)
        if engine.name == "duckdb":
            result.error = f"case {case.name}: the replay ran, but it should refuse: {case.refusal}"
    except StreamscoreError as error:
        if engine.name != "duckdb" or case.refusal not in str(error):
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


def regenerate(case: Case, flink_engine, workdir: Path) -> dict[str, int]:
    """Write the case's expected rows from a Flink replay (Flink is the oracle)."""
    if case.rejection is not None:
        return {}  # Flink refuses it: nothing to record
    job = case.job()
    replay = flink_engine.replay(job, case.inputs(job), workdir)
    if case.refusal is not None:
        return replay.rows  # the replay must refuse this case: no rows to keep
    for stale in case.expected_dir.glob("*.jsonl"):
        stale.unlink()
    for sink, parquet in replay.sinks.items():
        write_expected(parquet, case.expected_dir / f"{sink}.jsonl")
    return replay.rows
