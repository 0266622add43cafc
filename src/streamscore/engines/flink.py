"""Flink engine: the job's SQL as written, on the embedded mini-cluster (PyFlink Table API).

Flink is the oracle: statements run as the user wrote them; only a table's WITH clause is rebound
(per profile, or to a file for a replay). One JVM and TableEnvironment per engine object; each job
gets its own catalog database so jobs in one session do not see each other's tables.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from streamscore.config import Profile, file_format
from streamscore.engines import ReplayResult
from streamscore.errors import ConfigError, EngineError, ReplayMismatch
from streamscore.sql.dialect import Flink
from streamscore.sql.statements import InsertDef, Job, Statement, TableDef
from streamscore.vendor import kafka_connector_jars

# Engine settings as data. Bundle sizes trade latency for Python-UDF throughput (STACK.md).
DEFAULT_CONFIG = {
    "parallelism.default": "1",
    "python.fn-execution.bundle.size": "100000",
    "python.fn-execution.bundle.time": "1000",
    "python.fn-execution.arrow.batch.size": "10000",
    "table.exec.sink.not-null-enforcer": "DROP",
    # Results must not depend on the machine's zone; a job's own SET overrides it.
    "table.local-time-zone": "UTC",
}

# Declared Flink type -> Arrow type for the Parquet files a replay writes.
ARROW_TYPES = {
    exp.DType.BIGINT: pa.int64(),
    exp.DType.INT: pa.int32(),
    exp.DType.SMALLINT: pa.int16(),
    exp.DType.TINYINT: pa.int8(),
    exp.DType.DOUBLE: pa.float64(),
    exp.DType.FLOAT: pa.float32(),
    exp.DType.BOOLEAN: pa.bool_(),
    exp.DType.TEXT: pa.string(),
    exp.DType.VARCHAR: pa.string(),
    exp.DType.CHAR: pa.string(),
    exp.DType.DATE: pa.date32(),
    exp.DType.TIMESTAMP: pa.timestamp("us"),
    exp.DType.TIMESTAMPLTZ: pa.timestamp("us", tz="UTC"),
}

_database_ids = itertools.count(1)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def with_options(table: TableDef, options: dict[str, str]) -> str:
    """The table's CREATE TABLE as written, with its WITH clause replaced by ``options``."""
    text = table.statement.text
    head = text[: table.statement.with_clause_at] if table.statement.with_clause_at is not None else text
    body = ",\n  ".join(f"{_quote(k)} = {_quote(v)}" for k, v in options.items())
    return f"{head.rstrip()} WITH (\n  {body}\n)"


def arrow_type(dtype: exp.DataType) -> pa.DataType:
    if dtype.this == exp.DType.DECIMAL:
        precision, scale = (int(p.name) for p in dtype.expressions) if dtype.expressions else (10, 0)
        return pa.decimal128(precision, scale)
    try:
        return ARROW_TYPES[dtype.this]
    except KeyError:
        raise ConfigError(f"sink column type {dtype.sql()} is not supported in replays yet") from None


def _sink_schema(sink: TableDef) -> pa.Schema:
    return pa.schema([(c.name, arrow_type(c.type)) for c in sink.columns if c.is_physical])


def _rows_to_arrow(sink: TableDef, rows: list[tuple]) -> pa.Table:
    schema = _sink_schema(sink)
    columns = list(zip(*rows)) if rows else [[] for _ in schema]
    return pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(columns, schema)], schema=schema)


def _read_json_sink(sink: TableDef, folder: Path) -> pa.Table:
    """The finished part files of a filesystem JSON sink, typed by the sink's declared columns."""
    import duckdb

    from streamscore.engines.duckdb import DuckDBEngine

    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        return _rows_to_arrow(sink, [])
    con = duckdb.connect()
    tables = [con.sql(DuckDBEngine.physical_columns_sql(sink, f, 'json')).to_arrow_table() for f in files]
    con.close()
    return pa.concat_tables(tables).cast(_sink_schema(sink))


@dataclass
class RunResult:
    job_id: str
    status: str
    seconds: float
    end_offsets: dict[str, dict[int, int]] = field(default_factory=dict)


class FlinkEngine:
    name = "flink"

    def __init__(self, project, config: dict[str, str] | None = None):
        self.project = project
        self.config = {**DEFAULT_CONFIG, **(config or {})}
        self._t_env = None
        self._staging = Path(tempfile.mkdtemp(prefix="streamscore-flink-"))

    # -- session -----------------------------------------------------------------------------------
    @property
    def t_env(self):
        """The TableEnvironment (started once: the JVM start is the expensive part)."""
        if self._t_env is None:
            from pyflink.table import EnvironmentSettings, TableEnvironment

            self._t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
            conf = self._t_env.get_config()
            for key, value in self.config.items():
                conf.set(key, value)
            conf.set("python.executable", sys.executable)
            conf.set("python.client.executable", sys.executable)
            conf.set("pipeline.jars", ";".join(p.resolve().as_uri() for p in kafka_connector_jars()))
            conf.set("python.files", str(self._stage_udfs()))
        return self._t_env

    def _stage_udfs(self) -> Path:
        """Ship udfs/ (code and model files) to the Python workers as the importable package ``udfs``."""
        target = self._staging / "python"
        source = self.project.root / "udfs"
        if source.is_dir():
            shutil.copytree(source, target / "udfs", dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            target.mkdir(parents=True, exist_ok=True)
        return target

    def close(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)

    def _execute(self, sql: str, stmt: Statement) -> None:
        try:
            self.t_env.execute_sql(sql)
        except Exception as error:  # py4j wraps every Java exception
            raise stmt.error(EngineError, f"Flink rejected the statement: {_java_message(error)}") from None

    @contextmanager
    def _job_settings(self, job: Job):
        """The job's SET statements apply to its own run only: the session is shared between jobs."""
        conf = self.t_env.get_config()
        before = {key: conf.get(key, None) for key in job.settings}
        for key, value in job.settings.items():
            conf.set(key, value)
        try:
            yield
        finally:
            for key, value in before.items():
                if value is None:
                    conf.get_configuration().remove_config(key)
                else:
                    conf.set(key, value)

    def _prepare(self, job: Job, bind) -> None:
        """A fresh database holding the job's tables (options from ``bind``), functions and views."""
        self.project.import_udfs()
        database = f"streamscore_{next(_database_ids)}"
        self.t_env.execute_sql(f"CREATE DATABASE {database}")
        self.t_env.use_database(database)
        needed = {t.name for t in job.sources} | {s.name for s in job.sinks}
        for table in job.tables.values():
            if table.name in needed:
                options = bind(table)
                if options is not None:
                    self._execute(with_options(table, options), table.statement)
        for function in job.functions.values():
            self._execute(function.statement.text, function.statement)
        for view in job.views.values():
            self._execute(view.statement.text, view.statement)

    # -- replay: the job over files ------------------------------------------------------------------
    def replay(self, job: Job, inputs: dict[str, Path], output_dir: Path) -> ReplayResult:
        """Run the job over files: sources read JSON Lines, every sink writes JSON Lines, one Flink job.

        The INSERTs run as written; only the tables' WITH clauses change. A sink fed an updating
        query (which a file sink cannot take) is collected instead, with Flink's changelog applied.
        """
        started = time.perf_counter()
        output_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="replay-", dir=self._staging))
        sources = {t.name for t in job.sources}
        json_inputs = {name: self._as_json_lines(job.tables[name], inputs, work) for name in sources}

        def bind(table: TableDef):
            if table.name in sources:
                path = json_inputs[table.name]
            else:
                path = work / "sinks" / table.name
            return {"connector": "filesystem", "path": str(path), "format": "json",
                    "json.timestamp-format.standard": "SQL"}

        with self._job_settings(job):
            self._prepare(job, bind)
            statement_set = self.t_env.create_statement_set()
            for insert in job.inserts:
                statement_set.add_insert_sql(insert.statement.text)
            result = ReplayResult(self.name)
            try:
                statement_set.execute().wait()
                collected = None
            except Exception as error:
                if "update" not in _java_message(error).lower():
                    raise EngineError(f"{job.path}: Flink failed: {_java_message(error)}") from None
                collected = {s.name: [r for i in job.inserts if i.sink == s.name for r in self._collect(job, i)]
                             for s in job.sinks}
        for sink in job.sinks:
            path = output_dir / f"{sink.name}.parquet"
            if collected is None:
                table = _read_json_sink(sink, work / "sinks" / sink.name)
            else:
                table = _rows_to_arrow(sink, collected[sink.name])
            pq.write_table(table, path)
            result.sinks[sink.name] = path
            result.rows[sink.name] = table.num_rows
        shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.perf_counter() - started
        return result

    def _as_json_lines(self, table: TableDef, inputs: dict[str, Path], output_dir: Path) -> Path:
        """Flink here reads JSON Lines (no Parquet format jar): convert other files with DuckDB."""
        path = inputs.get(table.name)
        if path is None or not Path(path).exists():
            raise ConfigError(f"no input file for source table `{table.name}`: pass --input {table.name}=PATH "
                              "or bind it in connectors/replay.toml")
        if file_format(Path(path)) == "json":
            return Path(path).resolve()
        import duckdb

        from streamscore.engines.duckdb import DuckDBEngine

        target = output_dir / "inputs" / f"{table.name}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        physical = DuckDBEngine.physical_columns_sql(table, Path(path))
        con = duckdb.connect()
        con.execute(f"COPY ({physical}) TO '{target}' (FORMAT json, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%g')")
        con.close()
        return target

    def _collect(self, job: Job, insert: InsertDef) -> list[tuple]:
        """Final rows of one INSERT's query: Flink's changelog applied, cast to the sink's columns."""
        from pyflink.common import RowKind

        sink = job.tables[insert.sink]
        physical = [c for c in sink.columns if c.is_physical]
        targets = insert.columns or [c.name for c in physical]
        position = {name: f"_c{i}" for i, name in enumerate(targets)}
        query_text = insert.statement.text[insert.statement.query_at:]
        casts = ", ".join(f"CAST({position.get(c.name, 'NULL')} AS {c.type.sql(Flink)}) AS `{c.name}`" for c in physical)
        sql = f"SELECT {casts} FROM ({query_text}) AS q({', '.join(position.values())})"
        try:
            table_result = self.t_env.sql_query(sql).execute()
            final: dict[tuple, int] = {}
            unmatched_updates = 0
            with table_result.collect() as results:
                for row in results:
                    values = tuple(row)
                    kind = row.get_row_kind()
                    if kind in (RowKind.INSERT, RowKind.UPDATE_AFTER):
                        final[values] = final.get(values, 0) + 1
                        unmatched_updates += kind == RowKind.UPDATE_AFTER
                    else:
                        unmatched_updates -= kind == RowKind.UPDATE_BEFORE
                        if final.get(values, 0) == 0:
                            raise ReplayMismatch(f"{sink.name}: Flink retracted a row it never emitted: {values}")
                        final[values] -= 1
        except ReplayMismatch:
            raise
        except Exception as error:
            raise insert.statement.error(EngineError, f"Flink failed on INSERT INTO {sink.name}: "
                                         f"{_java_message(error)}") from None
        if unmatched_updates > 0:
            raise insert.statement.error(
                EngineError, f"INSERT INTO {sink.name}: Flink sent updates without their before-images "
                "(an upsert changelog); its final rows cannot be rebuilt here yet")
        return [values for values, count in final.items() for _ in range(count)]

    # -- run: the job streaming over Kafka ------------------------------------------------------------
    def run(self, job: Job, profile: Profile, bounded: bool = False, max_records: int | None = None,
            idle_timeout: float | None = None, log=print) -> RunResult:
        """Submit the job to the mini-cluster and wait for it.

        ``bounded``: read each Kafka source up to the offsets it has now, then finish (windows close).
        ``max_records``: read each source partition up to N records from its start, then finish.
        ``idle_timeout``: cancel once no sink topic has grown for that many seconds.
        """
        from streamscore.kafka.client import end_offsets, partitions_of

        if profile.kind != "kafka":
            raise ConfigError(f"profile {profile.name!r} is a {profile.kind} profile: `run` streams from Kafka "
                              "(use `streamscore replay` for files)")
        ends: dict[str, dict[int, int]] = {}

        def bind(table: TableDef):
            options = dict(table.options)
            if options.get("connector") != "kafka":
                return options
            options = profile.kafka_options(table.name, options)
            if table in job.sources:
                # Fail before the job starts: Flink would wait forever on a missing topic.
                partitions_of(options["properties.bootstrap.servers"], options["topic"])
            if table in job.sources and (bounded or max_records):
                offsets = end_offsets(options["properties.bootstrap.servers"], options["topic"])
                if max_records:
                    offsets = {p: max_records for p in offsets} if not bounded else \
                        {p: min(o, max_records) for p, o in offsets.items()}
                ends[table.name] = offsets
                options["scan.bounded.mode"] = "specific-offsets"
                options["scan.bounded.specific-offsets"] = ";".join(
                    f"partition:{p},offset:{o}" for p, o in sorted(offsets.items()))
            return options

        with self._job_settings(job):
            self._prepare(job, bind)
            statement_set = self.t_env.create_statement_set()
            for insert in job.inserts:
                statement_set.add_insert_sql(insert.statement.text)
            started = time.perf_counter()
            try:
                table_result = statement_set.execute()
            except Exception as error:
                raise EngineError(f"{job.path}: Flink could not start the job: {_java_message(error)}") from None
            client = table_result.get_job_client()
            job_id = str(client.get_job_id())
            log(f"flink: job {job_id} running ({', '.join(i.sink for i in job.inserts)})")
            status = self._wait(table_result, client, job, profile, idle_timeout, log)
        return RunResult(job_id, status, time.perf_counter() - started, ends)

    def _wait(self, table_result, client, job: Job, profile: Profile, idle_timeout: float | None, log) -> str:
        """Block until the job ends; cancel it when its sinks stay idle for ``idle_timeout`` seconds."""
        import threading

        outcome: dict[str, BaseException | None] = {}

        def wait_for_end():
            try:
                table_result.wait()
                outcome["error"] = None
            except BaseException as error:  # noqa: BLE001 - reported below
                outcome["error"] = error

        waiter = threading.Thread(target=wait_for_end, daemon=True)
        waiter.start()
        sink_options = [profile.kafka_options(s.name, s.options) for s in job.sinks
                        if s.options.get("connector") == "kafka"]
        sink_topics = [(o["properties.bootstrap.servers"], o["topic"]) for o in sink_options]
        last_size, last_change, cancelled = None, time.monotonic(), False
        while waiter.is_alive():
            waiter.join(1.0)
            if waiter.is_alive() and idle_timeout and sink_topics and not cancelled:
                size = sum(_records_in(b, t) for b, t in sink_topics)
                if size != last_size:
                    last_size, last_change = size, time.monotonic()
                elif time.monotonic() - last_change > idle_timeout:
                    log(f"flink: no new output for {idle_timeout:.0f}s, cancelling")
                    client.cancel().result()
                    cancelled = True
        error = outcome.get("error")
        if cancelled:
            return "CANCELED"
        if error is not None:
            raise EngineError(f"{job.path}: the Flink job failed: {_java_message(error)}") from None
        return "FINISHED"

def _records_in(bootstrap: str, topic: str) -> int:
    """Records in a sink topic so far (0 until the job first writes to it)."""
    from streamscore.errors import BrokerError
    from streamscore.kafka.client import end_offsets

    try:
        return sum(end_offsets(bootstrap, topic).values())
    except BrokerError:
        return 0


def _java_message(error: Exception) -> str:
    """The innermost 'Caused by' line of a Java exception, or the first line."""
    text = str(error)
    causes = [line.strip() for line in text.splitlines() if line.strip().startswith("Caused by:")]
    line = causes[-1][len("Caused by:"):].strip() if causes else text.strip().splitlines()[0] if text.strip() else repr(error)
    return line[:500]
