"""Replay and verify: a job over files on one engine, or on both with every sink compared."""

from __future__ import annotations

import decimal
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from streamscore.changelog import UPSERT, changelog_format
from streamscore.config import is_kafka_table
from streamscore.engines import ReplayResult, get_engine
from streamscore.errors import ConfigError, StreamscoreError
from streamscore.sql.statements import Job

DEFAULT_TOLERANCE = 1e-9


def resolve_inputs(project, job: Job, given: dict[str, Path], tables: list | None = None,
                   warn=lambda message: print(f"warning: {message}", file=sys.stderr), optional: list | None = None,
                   kafka_profile: str = "local", log=None, _chain: tuple = ()) -> dict[str, Path]:
    """Each source's input: ``--input`` first, then the replay profile. ``tables`` (exploring tables without
    a job): those tables, each only when it has an input; ``optional``: more tables, loaded when they have
    one (a project's other tables beside a job's sources). An input for a table not read is skipped with a
    warning, so one set of inputs serves several jobs.

    An input is a file, a glob, a folder, a compressed file or ``kafka`` (see streamscore.history): every
    file form is checked here, before a job runs; a topic's records are fetched here (into the cache)."""
    from streamscore import history

    wanted = tables if tables is not None else job.sources
    loaded = [*wanted, *[t for t in optional or [] if t.name not in {w.name for w in wanted}]]
    profile = project.profile("replay")
    inputs, upstream = {}, set()
    for source in loaded:
        bound = profile.tables.get(source.name, {}).get("path")
        spec = given.get(source.name) or (bound if bound and history.is_topic(bound) else profile.file_for(source.name))
        if spec is None and tables is None and source.name in {s.name for s in job.sources}:
            writer = upstream_writer(project, job, source, kafka_profile)
            if writer is not None:  # a pipeline: the job that writes this table replays first
                inputs[source.name] = replay_upstream(project, job, source, *writer, given, kafka_profile, log,
                                                      _chain)
                upstream |= {t.name for t in writer[0].tables.values()}
                continue
            raise ConfigError(f"no file for source `{source.name}`: pass --input {source.name}=PATH "
                              "or bind it in connectors/replay.toml")
        if spec is None:
            continue
        # A job's source, or an input given: its error stops here, before a job runs (or is checked by Flink).
        required = source.name in given or (tables is None and source.name in {w.name for w in wanted})
        try:
            topic = history.is_topic(spec)
            if topic is not None:
                inputs[source.name] = history.topic_input(project, source, topic, kafka_profile, log)
                continue
            history.files_of(spec)
        except StreamscoreError as error:
            if required:
                raise
            warn(f"`{source.name}` not loaded: {error}")  # a table the job does not read
            continue
        inputs[source.name] = Path(spec)
    unknown = set(given) - {t.name for t in loaded} - upstream
    if unknown:
        warn(f"--input for {', '.join(sorted(unknown))}: not read by {job.path.name} "
             f"(it reads {', '.join(t.name for t in loaded) or 'no table'}); ignored")
    return inputs


def upstream_writer(project, job: Job, source, kafka_profile: str) -> tuple[Job, str] | None:
    """(the job, its sink table) of the project that writes the topic ``source`` reads, if one does."""
    profile = project.profile(kafka_profile)
    topic = kafka_topic(profile, source)
    if topic is None:
        return None
    for path in sorted((project.root / "sql" / "jobs").glob("*.sql")):
        if path.resolve() == Path(job.path).resolve():
            continue
        other = project.job(path)
        for sink in other.sinks:
            if kafka_topic(profile, sink) == topic:
                return other, sink.name
    return None


def replay_upstream(project, reader: Job, source, writer: Job, sink: str, given: dict[str, Path],
                    kafka_profile: str, log, chain: tuple = ()) -> Path:
    """The writer job replayed on DuckDB over its own inputs (its upstream jobs first), its sink's rows as
    the reader's input, in event-time order when the reader declares one (the order a job writing on
    watermarks produces them, and the order the reader's per-record watermark needs)."""
    import duckdb

    from streamscore.engines.duckdb import DuckDBEngine, ident
    from streamscore.history import sql_text

    if writer.name in (*chain, reader.name):
        raise ConfigError(f"jobs read each other's output in a cycle: {' -> '.join([*chain, reader.name, writer.name])}")
    say = log or (lambda message: print(message, file=sys.stderr))
    say(f"pipeline: {writer.name} writes {sink}, which {reader.name} reads as {source.name}: replaying "
        f"{Path(writer.path).relative_to(project.root) if Path(writer.path).is_relative_to(project.root) else writer.path} "
        "first (DuckDB)")
    # the --input files given for the pipeline serve the writer too; the others are the reader's
    inputs = resolve_inputs(project, writer, given, warn=lambda message: None, kafka_profile=kafka_profile, log=log,
                            _chain=(*chain, reader.name))
    folder = project.build_dir / "replay" / "pipeline" / writer.name
    result = DuckDBEngine(project).replay(writer, inputs, folder)
    ordered = folder / f"{source.name}.parquet"
    order = f" ORDER BY {ident(source.rowtime)}" if source.rowtime and any(
        c.name == source.rowtime and c.is_physical for c in source.columns) else ""
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{sql_text(result.sinks[sink])}'){order}) "
                f"TO '{sql_text(ordered)}' (FORMAT parquet)")
    con.close()
    say(f"pipeline: {result.rows.get(sink, 0):,} rows of {sink} -> {source.name}")
    return ordered


def parse_inputs(pairs: list[str]) -> dict[str, Path]:
    """``TABLE=PATH`` pairs; PATH may be a glob, a folder, a compressed file or ``kafka``."""
    inputs = {}
    for pair in pairs or []:
        table, sep, path = pair.partition("=")
        if not sep or not table or not path:
            raise ConfigError(f"--input {pair!r}: expected TABLE=PATH")
        inputs[table] = Path(path)
    return inputs


def plain_inputs(project, job: Job, inputs: dict[str, Path], folder: Path, use_cache: bool = True):
    """Inputs as the Flink engine reads them (one plain file per table): any other form becomes one
    Parquet file of the rows the DuckDB replay reads (decoded by the JVM decoder, partition columns
    filled), its dead letters returned to be reported with Flink's result."""
    import duckdb

    from streamscore import history
    from streamscore.engines.duckdb import DuckDBEngine

    plain, dead = {}, []
    decoded = history.Decoded(project.root, use_cache, time_zone=job.settings.get("table.local-time-zone", "UTC"))
    try:
        for name, spec in inputs.items():
            if history.is_plain(spec):
                plain[name] = spec
                continue
            table = job.tables[name]
            if changelog_format(table):  # its records are changes, not rows to decode
                raise ConfigError(f"input `{name}`={spec}: the Flink replay reads a {changelog_format(table)} "
                                  "changelog from one uncompressed file")
            reader, letters = decoded.table(table, spec)
            dead.extend(letters)
            folder.mkdir(parents=True, exist_ok=True)
            plain[name] = folder / f"{name}.parquet"
            select = DuckDBEngine.physical_columns_sql(table, reader, "sql")
            con = duckdb.connect()
            con.execute(f"COPY ({select}) TO '{history.sql_text(plain[name])}' (FORMAT parquet)").fetchall()
            con.close()
    finally:
        decoded.close()
    return plain, dead


def replay(project, job: Job, inputs: dict[str, Path], output_dir: Path, engine: str = "duckdb",
           drop_late: bool = False, keep_late: bool = False, use_cache: bool = True,
           memory_limit: str | None = None, progress=None) -> ReplayResult:
    """The job over ``inputs`` on one engine. Flink reads one plain file per table: other inputs are
    handed to it as the rows the DuckDB replay reads (see plain_inputs), their dead letters reported."""
    if engine == "duckdb":
        from streamscore.engines.duckdb import DuckDBEngine

        return DuckDBEngine(project, drop_late=drop_late, keep_late=keep_late, use_cache=use_cache,
                            memory_limit=memory_limit, progress=progress).replay(job, inputs, output_dir)
    from streamscore import history

    runner = get_engine(engine, project, drop_late=drop_late, keep_late=keep_late)
    plain, dead = plain_inputs(project, job, inputs, Path(output_dir) / "inputs", use_cache)
    result = runner.replay(job, plain, output_dir)
    if dead:
        if result.dead_letters_file is not None:  # the plain files' own: kept beside the others
            for row in pd.read_parquet(result.dead_letters_file).itertuples():
                dead.append(history.DeadLetter(row.source_table, str(plain.get(row.source_table)), row.line,
                                               row.raw, row.error))
            result.dead_letters = {}
        history.keep_dead_letters(result, dead, output_dir)
    return result


class FlinkCheck:
    """The gate before any replay result is trusted: Flink plans the job as `run` would (nothing runs) and
    what it rejects, the replay rejects, with Flink's message at the job's file, line and column. One
    TableEnvironment (the JVM start) serves every job checked through one FlinkCheck."""

    def __init__(self, project, profile: str = "local", engine=None):
        """``engine``: a FlinkEngine to plan in (default: one of its own, made on the first check)."""
        self.project = project
        self.profile = project.profile(profile)
        self._engine, self._own = engine, engine is None

    def __call__(self, job: Job) -> str:
        """Flink's plan of ``job``; raises its rejection (EngineError, ModelError)."""
        if self._engine is None:
            from streamscore.engines.flink import FlinkEngine

            self._engine = FlinkEngine(self.project)
        return self._engine.check(job, self.profile)

    def close(self) -> None:
        if self._own and self._engine is not None:
            self._engine.close()


@dataclass
class SinkDiff:
    sink: str
    left_rows: int
    right_rows: int
    only_left: pd.DataFrame = field(default_factory=pd.DataFrame)
    only_right: pd.DataFrame = field(default_factory=pd.DataFrame)
    problem: str = ""

    @property
    def equal(self) -> bool:
        return not self.problem and self.only_left.empty and self.only_right.empty


def compare_tables(sink: str, left: pd.DataFrame, right: pd.DataFrame, tolerance: float = DEFAULT_TOLERANCE) -> SinkDiff:
    """Rows as multisets (order ignored); float columns equal within ``tolerance``, NaN equal to NaN."""
    diff = SinkDiff(sink, len(left), len(right))
    if list(left.columns) != list(right.columns):
        diff.problem = f"columns differ: {list(left.columns)} vs {list(right.columns)}"
        return diff
    floats = [c for c in left.columns if pd.api.types.is_float_dtype(left[c]) or pd.api.types.is_float_dtype(right[c])]
    others = [c for c in left.columns if c not in floats]
    digits = max(0, int(-np.log10(tolerance)))
    nested = [c for c in others if any(_is_nested(v) for v in (*left[c], *right[c]))]
    if nested:  # ROW, ARRAY and MAP values compared as canonical text (floats in them rounded to the tolerance)
        left, right = left.copy(), right.copy()
        for column in nested:
            left[column] = [_canonical_text(v, digits) for v in left[column]]
            right[column] = [_canonical_text(v, digits) for v in right[column]]
    order = others + floats
    a = left.sort_values(order, na_position="first", kind="stable").reset_index(drop=True)
    b = right.sort_values(order, na_position="first", kind="stable").reset_index(drop=True)
    if len(a) == len(b):
        bad = np.zeros(len(a), dtype=bool)
        for column in others:
            bad |= np.array([not _same(x, y) for x, y in zip(a[column], b[column])], dtype=bool)
        for column in floats:
            x, y = a[column].to_numpy(dtype=float), b[column].to_numpy(dtype=float)
            bad |= ~(np.isclose(x, y, rtol=0, atol=tolerance) | (np.isnan(x) & np.isnan(y)))
        diff.only_left, diff.only_right = a[bad], b[bad]
        return diff
    # Different counts: show the rows each side has that the other lacks (floats rounded to the tolerance).
    key_a, key_b = _row_keys(a, floats, digits), _row_keys(b, floats, digits)
    count_a, count_b = key_a.groupby(key_a).cumcount(), key_b.groupby(key_b).cumcount()
    ids_a, ids_b = set(zip(key_a, count_a)), set(zip(key_b, count_b))
    diff.only_left = a[[k not in ids_b for k in zip(key_a, count_a)]]
    diff.only_right = b[[k not in ids_a for k in zip(key_b, count_b)]]
    if diff.only_left.empty and diff.only_right.empty:
        diff.problem = f"{len(a)} vs {len(b)} rows"
    return diff


def _is_nested(value) -> bool:
    return isinstance(value, (dict, list, tuple, np.ndarray))


def _canonical(value, digits: int):
    """A nested value as plain JSON-able data: a MAP (pyarrow gives its entries as tuples) in key order."""
    if isinstance(value, dict):
        return {str(k): _canonical(v, digits) for k, v in value.items()}
    if isinstance(value, (list, np.ndarray)):
        items = list(value)
        if items and all(isinstance(i, tuple) and len(i) == 2 for i in items):
            return sorted(([_canonical(k, digits), _canonical(v, digits)] for k, v in items), key=json.dumps)
        return [_canonical(i, digits) for i in items]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return "NaN" if np.isnan(value) else round(value, digits)
    return value


def _canonical_text(value, digits: int) -> str | None:
    return None if value is None else json.dumps(_canonical(value, digits), sort_keys=True, default=str)


def like(records: list[dict], template: pd.DataFrame) -> pd.DataFrame:
    """Records read back from a topic (JSON) as a frame with the template's columns and types."""
    frame = pd.DataFrame(records, columns=list(template.columns))
    for column in template.columns:
        if pd.api.types.is_datetime64_any_dtype(template[column]):
            frame[column] = pd.to_datetime(frame[column])
        elif any(isinstance(v, decimal.Decimal) for v in template[column]):  # JSON numbers as the DECIMALs they are
            # (a JSON null is NaN in a column pandas made float)
            frame[column] = [None if pd.isna(v) else decimal.Decimal(str(v)) for v in frame[column]]
    return frame.astype(template.dtypes.to_dict())



def kafka_topic(profile, table) -> str | None:
    """The topic ``table`` is bound to under ``profile``, or None when it is not a Kafka table."""
    if not is_kafka_table(table):
        return None
    return profile.kafka_options(table.name, table.options).get("topic")


def topic_rows(bootstrap: str, table, topic: str) -> list[dict]:
    """A sink topic's final rows as a reader sees them: committed records only; for an upsert-kafka table,
    Flink's changelog applied per primary key (the last value per key, a tombstone deleting it)."""
    from streamscore.kafka.client import read_committed

    messages = read_committed(bootstrap, topic)
    if table.options.get("connector") != "upsert-kafka":
        return [json.loads(m.value()) for m in messages if m.value() is not None]
    latest: dict[bytes, dict | None] = {}
    for message in messages:  # one key's records are in one partition, in order
        latest[message.key()] = None if message.value() is None else json.loads(message.value())
    return [row for row in latest.values() if row is not None]


def write_topic_records(bootstrap: str, topic: str, path: Path, ends: dict[int, int] | None = None,
                        starts: dict[int, int] | None = None, keyed: bool = False) -> list[tuple[int, int]]:
    """A topic's committed records (read_committed, up to ``ends``, from ``starts``) as a JSON Lines file,
    raw values in the order they were appended; returns each line's (partition, offset). ``keyed`` (an
    upsert-kafka table's topic): each line is the record, ``{"key": KEY, "value": VALUE}``, tombstones too."""
    from streamscore.kafka.client import read_committed

    messages = read_committed(bootstrap, topic, ends, starts)
    written = []
    with open(path, "wb") as out:
        for message in messages:
            if message.value() is None and not keyed:
                continue
            if any(b"\n" in (part or b"") for part in (message.key(), message.value())):
                # neither rewriting keeps Flink's verdict on every record
                raise ConfigError(f"{topic} partition {message.partition()} offset {message.offset()}: a record "
                                  "holding a line break cannot be replayed from JSON Lines; pass --input files")
            line = message.value()
            if keyed:
                line = b'{"key": ' + (message.key() or b"null") + b', "value": ' + (line or b"null") + b"}"
            out.write(line + b"\n")
            written.append((message.partition(), message.offset()))
    return written


def source_files_from_topics(profile, job: Job, folder: Path, ends: dict[str, dict[int, int]] | None = None,
                             log=print) -> dict[str, Path]:
    """Each Kafka source's committed records (up to ``ends`` per table, e.g. the offsets a bounded run read;
    default: each partition's end now) as a JSON Lines file, raw values in the order they were appended."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for source in job.sources:
        topic = kafka_topic(profile, source)
        if topic is None:
            continue
        files[source.name] = folder / f"{source.name}.jsonl"
        written = write_topic_records(profile.bootstrap_servers, topic, files[source.name],
                                      (ends or {}).get(source.name), keyed=changelog_format(source) == UPSERT)
        log(f"{source.name}: {len(written):,} records from topic {topic}")
    return files


def verify_written(project, job: Job, profile, inputs: dict[str, Path], output_dir: Path,
                   tolerance: float = DEFAULT_TOLERANCE) -> list[SinkDiff]:
    """What Flink wrote to the job's Kafka sink topics, against the DuckDB replay of the same SQL over
    ``inputs`` (files, or the source topics' records: see source_files_from_topics), per sink."""
    from streamscore.engines.duckdb import DuckDBEngine

    sinks = [(sink, kafka_topic(profile, sink)) for sink in job.sinks]
    if not any(topic for _, topic in sinks):
        raise ConfigError(f"{job.path.name} writes no Kafka topic under profile {profile.name!r}")
    replayed = DuckDBEngine(project).replay(job, inputs, output_dir)
    diffs = []
    for sink, topic in sinks:
        if topic is None:
            continue
        expected = pd.read_parquet(replayed.sinks[sink.name])
        written = like(topic_rows(profile.bootstrap_servers, sink, topic), expected)
        diffs.append(compare_tables(sink.name, expected, written, tolerance))
    return diffs


def _same(x, y) -> bool:
    missing_x, missing_y = x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and np.isnan(x)), \
        y is None or y is pd.NA or y is pd.NaT or (isinstance(y, float) and np.isnan(y))
    return (missing_x and missing_y) or (not missing_x and not missing_y and x == y)


def compare_results(left: ReplayResult, right: ReplayResult, tolerance: float = DEFAULT_TOLERANCE) -> list[SinkDiff]:
    diffs = []
    for sink in left.sinks:
        a = pd.read_parquet(left.sinks[sink])
        b = pd.read_parquet(right.sinks[sink])
        diffs.append(compare_tables(sink, a, b, tolerance))
    return diffs


def _row_keys(frame: pd.DataFrame, floats: list[str], digits: int) -> pd.Series:
    """Each row as one text (floats rounded), to match rows between two sides; a Series even for no rows
    (pandas' row-wise join of an empty frame gives a frame)."""
    if frame.empty:
        return pd.Series([], dtype=str, index=frame.index)
    return frame.assign(**{c: frame[c].round(digits) for c in floats}).astype(str).agg("|".join, axis=1)


def format_diff(diff: SinkDiff, left: str, right: str, limit: int = 10) -> str:
    if diff.equal:
        return f"{diff.sink}: {diff.left_rows:,} rows, equal"
    lines = [f"{diff.sink}: DIFFERENT ({left} {diff.left_rows:,} rows, {right} {diff.right_rows:,} rows)"
             + (f": {diff.problem}" if diff.problem else "")]
    for name, rows in ((f"only in {left}", diff.only_left), (f"only in {right}", diff.only_right)):
        if not rows.empty:
            lines.append(f"  {name} ({len(rows):,} rows, first {min(limit, len(rows))}):")
            lines.extend("    " + line for line in rows.head(limit).to_string(index=False).splitlines())
    return "\n".join(lines)
