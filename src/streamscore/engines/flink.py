"""Flink engine: the job's SQL as written, on the embedded mini-cluster (PyFlink Table API).

Flink is the oracle: statements run as the user wrote them; only a table's WITH clause is rebound
(per profile, or to a file for a replay). One JVM per process and one TableEnvironment per engine
object and mode; each job gets its own catalog database so jobs in one session do not see each
other's tables, and its SET statements last for that job only.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from streamscore import monitoring
from streamscore.changelog import POSITION, UPSERT, changelog_format
from streamscore.config import Profile, file_format, is_kafka_table, redact
from streamscore.engines import ReplayResult
from streamscore.errors import ConfigError, EngineError
from streamscore.kafka import dead_letters as dl
from streamscore.kafka.broker import free_port
from streamscore.kafka.dead_letters import DeadLetterRouting
from streamscore.metrics import (FlinkMetrics, LatencyTracker, Reporter, final_counts_settings, latency_key,
                                prometheus_settings)
from streamscore.models.checks import check_job_models, function_object, resolve_declared_model
from streamscore.models.scorer import jvm_spec, model_files
from streamscore.sql.dialect import (Descriptor, Flink, MLPredict, ModelArgument, TableArgument,
                                    decimal_precision, with_clause)
from streamscore.sql.rewrites import (JVM_MODEL_CLASS, JVM_MODEL_FUNCTION, calls_any, has_ml_predict,
                                     inline_ml_predict, inline_model_functions, merged_by_flink)
from streamscore.sql.statements import Job, Statement, TableDef, table_def
from streamscore.sql.typed import duckdb_type
from streamscore.vendor import flink_jars

# Engine settings as data. Bundle sizes trade latency for Python-UDF throughput (STACK.md).
DEFAULT_CONFIG = {
    "parallelism.default": "1",
    "python.fn-execution.bundle.size": "100000",
    "python.fn-execution.bundle.time": "1000",
    "python.fn-execution.arrow.batch.size": "10000",
    # A guarded source's parse feeds both its good rows and its dead letters: plan that part once
    # (otherwise every record is parsed twice, halving throughput).
    "table.optimizer.reuse-optimize-block-with-digest-enabled": "true",
    # Results must not depend on the machine's zone; a job's own SET overrides it.
    "table.local-time-zone": "UTC",
    # Flink's default, stated: a replay sets 0 (a watermark per record) for its own job, and a job applies its
    # settings to the shared execution environment for good, so the next job must find this restored.
    "pipeline.auto-watermark-interval": "200 ms",
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
    exp.DType.TIME: pa.time64("us"),
    exp.DType.TIMESTAMP: pa.timestamp("us"),
    exp.DType.TIMESTAMPLTZ: pa.timestamp("us", tz="UTC"),
}

_database_ids = itertools.count(1)
IN_CLUSTER = "in-cluster"


def with_options(table: TableDef, options: dict[str, str], replay: bool = False) -> str:
    """The table's CREATE TABLE as written, with its WITH clause replaced by ``options``.

    ``replay``: METADATA columns become physical ones, read from the replay's input file."""
    stmt = table.statement
    head_end = stmt.with_clause_at if stmt.with_clause_at is not None else stmt.like_at
    head = stmt.text[:head_end] if head_end is not None else stmt.text
    if replay and stmt.replay_head is not None:
        head = stmt.replay_head
    like = f" {table.like.for_flink()}" if table.like else ""  # ``options`` are the merged ones
    return f"{head.rstrip()} {with_clause(options)}{like}"


def _quoted(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(Flink)


def arrow_type(dtype: exp.DataType) -> pa.DataType:
    if dtype.this == exp.DType.DECIMAL:
        return pa.decimal128(*decimal_precision(dtype))
    children = [c.args.get("kind") if isinstance(c, exp.ColumnDef) else c for c in dtype.expressions]
    if dtype.this == exp.DType.ARRAY and len(children) == 1:
        return pa.list_(arrow_type(children[0]))
    if dtype.this == exp.DType.MAP and len(children) == 2:
        return pa.map_(arrow_type(children[0]), arrow_type(children[1]))
    if dtype.this == exp.DType.STRUCT and children and all(isinstance(c, exp.ColumnDef) for c in dtype.expressions):
        return pa.struct([(c.name, arrow_type(c.args["kind"])) for c in dtype.expressions])
    try:
        return ARROW_TYPES[dtype.this]
    except KeyError:
        raise ConfigError(f"sink column type {dtype.sql()} is not supported in replays yet") from None


def _sink_schema(sink: TableDef) -> pa.Schema:
    return pa.schema([(c.name, arrow_type(c.type)) for c in sink.columns if c.is_physical])


def _read_changelog_sink(sink: TableDef, folder: Path) -> pa.Table:
    """A sink's final rows from the part files Flink wrote its changes to (debezium-json: ``c`` an inserted or
    updated-to row in ``after``, ``d`` a retracted one in ``before``): each row as many times as it was inserted
    and not retracted, typed by the sink's declared columns."""
    import duckdb

    from streamscore.engines.duckdb import ident

    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        return _sink_schema(sink).empty_table()
    physical = [c for c in sink.columns if c.is_physical]
    row = "STRUCT(" + ", ".join(f"{ident(c.name)} {duckdb_type(c.type)}" for c in physical) + ")"
    listed = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
    changes = (f"SELECT CASE op WHEN 'c' THEN after ELSE before END AS r, CASE op WHEN 'c' THEN 1 ELSE -1 END AS n "
               f"FROM read_json({listed}, format = 'newline_delimited', "
               f"columns = {{'before': '{row}', 'after': '{row}', 'op': 'VARCHAR'}})")
    net = f"SELECT r, sum(n) AS n FROM ({changes}) GROUP BY r HAVING sum(n) > 0"
    con = duckdb.connect()
    table = con.sql(f"SELECT unnest(r) FROM ({net}) AS net, range(CAST(net.n AS BIGINT))").to_arrow_table()
    con.close()
    return table.cast(_sink_schema(sink))


@dataclass
class RunResult:
    job_id: str
    status: str
    seconds: float
    end_offsets: dict[str, dict[int, int]] = field(default_factory=dict)
    savepoint: str | None = None  # where a stop with a savepoint left the job's state
    metrics: dict = field(default_factory=dict)  # totals: records in/out, dead letters, model time, latency


class FlinkEngine:
    name = "flink"

    def __init__(self, project, config: dict[str, str] | None = None, cluster: str | None = None,
                 ship_jars: bool = True):
        """``cluster``: a Flink cluster's REST URL to submit to (default: the embedded mini-cluster).
        ``ship_jars``: send the Kafka connector and streamscore's jar with each job (not needed when the cluster's lib has it).
        ``cluster="in-cluster"``: running inside a cluster's PythonDriver, whose configuration decides."""
        self.project = project
        self.config = {**DEFAULT_CONFIG, **(config or {})}
        self.cluster = cluster
        self.ship_jars = ship_jars
        self._environments: dict[str, object] = {}
        self._metadata_providers: dict[int, tuple] = {}
        self._staging = Path(tempfile.mkdtemp(prefix="streamscore-flink-"))

    # -- session -----------------------------------------------------------------------------------
    @property
    def t_env(self):
        """The streaming TableEnvironment (the JVM start, paid once, is the expensive part)."""
        return self._environment("streaming")

    def _environment(self, mode: str):
        if mode not in self._environments:
            from pyflink.common import Configuration
            from pyflink.table import EnvironmentSettings, TableEnvironment

            # Before anything starts PyFlink's gateway JVM. Jars a cluster already has are not shipped, but
            # this JVM plans the job and registers streamscore's functions: it needs them too.
            _on_gateway_classpath(flink_jars() if not self.ship_jars and self.cluster != IN_CLUSTER else [])
            builder = EnvironmentSettings.new_instance()
            builder = builder.in_streaming_mode() if mode == "streaming" else builder.in_batch_mode()
            if self.cluster:
                # Workers run as processes on the cluster's TaskManagers: not PyFlink's loopback mode, which
                # runs them in this process (and which PyFlink picks when it is not told otherwise).
                os.environ["_python_worker_execution_mode"] = "process"
            if self.cluster and self.cluster != IN_CLUSTER:
                url = urllib.parse.urlsplit(self.cluster)
                target = Configuration()
                target.set_string("execution.target", "remote")
                target.set_string("rest.address", url.hostname or "127.0.0.1")
                target.set_string("rest.port", str(url.port or 8081))
                builder = builder.with_configuration(target)
            t_env = TableEnvironment.create(builder.build())
            self._metadata_providers[id(t_env)] = _planner_metadata_provider(t_env)
            conf = t_env.get_config()
            for key, value in self.config.items():
                conf.set(key, value)
            conf.set("python.executable", sys.executable)
            conf.set("streamscore.project-root", str(self.project.root.resolve()))  # for relative model paths
            conf.set("python.client.executable", sys.executable)
            if self.ship_jars:
                conf.set("pipeline.jars", ";".join(p.resolve().as_uri() for p in flink_jars()))
            conf.set("python.files", str(self._stage_udfs()))
            # functions read the project root as a job parameter (STREAMSCORE_PSI's model metadata)
            conf.set("pipeline.global-job-parameters", f"streamscore.project-root:{self.project.root.resolve()}")
            for sql in MONITORING_FUNCTIONS_SQL:
                t_env.execute_sql(sql)
            self._environments[mode] = t_env
        return self._environments[mode]

    def _stage_udfs(self) -> Path:
        return stage_python(self.project.root, self._staging / "python")

    def close(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)

    def _planned(self, t_env, call):
        """``call()``, a Java call that plans, made on a py4j thread that has Flink's planner metadata provider.

        Flink's planner keeps it in a thread-local, set in the thread that made the TableEnvironment
        (FLINK-23020). py4j serves Python's calls from a pool of connections, one Java thread each; a
        call made while another is in flight (a Python UDF's callback, or py4j's own release of Java
        objects when another Python thread collects garbage) opens another connection, and planning on
        its thread fails with "NullPointerException: metadataHandlerProvider" before anything runs. So:
        set it on the serving thread first, and retry when another thread took that connection."""
        local, provider = self._metadata_providers[id(t_env)]
        for attempt in range(5):
            local.set(provider)  # consecutive calls from one Python thread reuse one connection
            try:
                return call()
            except Exception as error:  # noqa: BLE001 - py4j wraps every Java exception
                if "metadataHandlerProvider" not in str(error) or attempt == 4:
                    raise

    def _execute(self, t_env, sql: str, stmt: Statement) -> None:
        try:
            self._planned(t_env, lambda: t_env.execute_sql(sql))
        except Exception as error:  # py4j wraps every Java exception
            raise rejected(stmt, sql, error) from None

    @contextmanager
    def _job_settings(self, t_env, job: Job, extra: dict[str, str] | None = None):
        """The job's SET statements (and ``extra``) apply to its own run only: the session is shared."""
        conf = t_env.get_config()
        settings = {**(extra or {}), **job.settings}
        before = {key: conf.get(key, None) for key in settings}
        for key, value in settings.items():
            conf.set(key, value)
        try:
            yield
        finally:
            for key, value in before.items():
                # A job that ran left its settings in the shared execution environment, under the session's:
                # a key the session did not set goes back to Flink's default, not just out of the session.
                value = value if value is not None else _flink_default(key)
                if value is None:
                    conf.get_configuration().remove_config(key)
                else:
                    conf.set(key, value)

    def _prepare(self, t_env, job: Job, bind, replay: bool = False, dead_letters: "DeadLetterRouting | None" = None,
                 planned_inserts: list | None = None):
        """A fresh database holding the job's tables (options from ``bind``), functions and views;
        returns a statement set holding the job's INSERTs. ``replay``: tables read files.
        ``dead_letters``: Kafka JSON sources route malformed records to a dead-letter topic.
        ``planned_inserts``: gets (statement, SQL given to Flink) for each of the job's INSERTs."""
        self.project.import_udfs()
        check_job_models(job)  # before Flink plans anything: clearer errors than a failing worker
        self.fresh_database(t_env)
        needed = {t.name for t in job.sources} | {s.name for s in job.sinks}
        for table in reversed(job.tables.values()):  # a table declared LIKE another needs that one in Flink too
            if table.name in needed and table.like:
                needed.add(table.like.base)
        guarded = []
        for table in job.tables.values():
            if table.name in needed and table.as_select is None:  # a CTAS table: after the views it reads
                options = bind(table)
                if options is None:
                    continue
                if dead_letters and table in job.sources and dead_letters.guards(table, options):
                    self._create_guarded_source(t_env, table, options, dead_letters)
                    guarded.append(table)
                else:
                    self._execute(t_env, with_options(table, options, replay), table.statement)
        jvm_models = self._register_functions(t_env, job)
        for model in job.models.values():
            # Checked before Flink plans anything; Flink then runs ML_PREDICT itself with the `lightgbm`
            # model provider in streamscore's jar (relative paths from the project root).
            resolve_declared_model(self.project.root, model)
            self._execute(t_env, model.statement.text, model.statement)
        merged = merged_by_flink(job)
        if merged:
            self._execute(t_env, JVM_SCORER_FUNCTION_SQL, next(iter(job.models.values())).statement)
        for view in job.views.values():
            text = runnable_text(job, view.statement, self.project.root, jvm_models, merged)
            self._execute(t_env, text, view.statement)
        statement_set = t_env.create_statement_set()
        for insert in job.inserts:
            sql = runnable_text(job, insert.statement, self.project.root, jvm_models, merged)
            if job.tables[insert.sink].as_select is not None:
                self._create_table_as_select(t_env, job, insert, sql, bind(job.tables[insert.sink]))
            try:
                self._planned(t_env, lambda: statement_set.add_insert_sql(sql))
            except Exception as error:
                raise rejected(insert.statement, sql, error) from None
            if planned_inserts is not None:
                planned_inserts.append((insert.statement, sql))
        check_model_inputs(t_env, job)
        if guarded:
            self._planned(t_env, lambda: t_env.execute_sql(dead_letters.table_sql()))
            for table in guarded:
                sql = dl.dead_letters_insert_sql(table, dl.DEAD_LETTER_TABLE)
                self._planned(t_env, lambda: statement_set.add_insert_sql(sql))
        late = [t for t in guarded if t.rowtime] if dead_letters and dead_letters.late_sink_options else []
        if late:
            self._planned(t_env, lambda: t_env.execute_sql(dead_letters.late_table_sql()))
            for table in late:
                sql = dl.late_rows_insert_sql(table, dl.LATE_ROWS_TABLE)
                self._planned(t_env, lambda: statement_set.add_insert_sql(sql))
        return statement_set

    def _create_table_as_select(self, t_env, job: Job, insert, sql: str, options: dict[str, str]) -> None:
        """A CREATE TABLE ... AS SELECT's table, with the columns Flink gives its query (time attributes become
        plain timestamps, as in Flink's CTAS), created before its INSERT joins the job's statement set. Flink's
        parser reads the statement as written first (it refuses a temporary CTAS, OR REPLACE ... IF NOT EXISTS).
        The job's table then holds those columns: the replay reads the sink by them."""
        table = job.tables[insert.sink]
        ctas = table.statement
        query = sql[insert.statement.query_at:] if sql == insert.statement.text else \
            sqlglot.parse_one(sql, read=Flink).expression.sql(Flink)
        try:
            self._planned(t_env, lambda: t_env._j_tenv.getParser().parse(ctas.text))  # nothing runs
        except Exception as error:
            raise rejected(ctas, ctas.text, error) from None
        try:
            schema = self._planned(t_env, lambda: t_env.sql_query(query))._j_table.getResolvedSchema()
        except Exception as error:
            raise rejected(insert.statement, sql, error) from None
        columns = [(c.getName(), re.sub(r"\s*\*(ROWTIME|PROCTIME)\*", "", c.getDataType().toString()))
                   for c in schema.getColumns()]
        elements = [f"{_quoted(name)} {dtype}" for name, dtype in columns]
        if table.primary_key:
            elements.append(f"PRIMARY KEY ({', '.join(table.primary_key)}) NOT ENFORCED")
        head = f"CREATE TABLE {_quoted(table.name)} (\n  " + ",\n  ".join(elements) + "\n)"
        job.tables[table.name] = dataclasses.replace(table, columns=table_def(sqlglot.parse_one(head, read=Flink),
                                                                              ctas).columns)
        self._execute(t_env, f"{head} {with_clause(options)}", ctas)

    @staticmethod
    def fresh_database(t_env) -> str:
        """A new database in the shared session, made current: one job's tables never meet another's."""
        database = f"streamscore_{next(_database_ids)}"
        t_env.execute_sql(f"CREATE DATABASE {database}")
        t_env.use_database(database)
        return database

    def _register_functions(self, t_env, job: Job) -> dict[str, dict]:
        """The job's functions: model functions made by streamscore.models.model_function are scored in
        the JVM (their calls rewritten, see rewrites.inline_model_functions); other Python functions, and
        model functions asking for contributions, run as Python UDFs. Returns the JVM ones' specs."""
        jvm_models = jvm_model_specs(job)
        for function in job.functions.values():
            if function.name.lower() not in jvm_models:
                self._execute(t_env, function.statement.text, function.statement)
        if jvm_models:
            self._execute(t_env, JVM_MODEL_FUNCTION_SQL, next(iter(job.functions.values())).statement)
        return jvm_models

    def _create_guarded_source(self, t_env, table: TableDef, options: dict[str, str],
                               dead_letters: "DeadLetterRouting") -> None:
        """The source as raw bytes parsed by streamscore, good rows under the table's name (see dead_letters)."""
        self._execute(t_env, dl.PARSE_FUNCTION_SQL, table.statement)
        self._execute(t_env, dl.raw_table_sql(table, options, dead_letters.max_record_bytes), table.statement)
        self._execute(t_env, dl.good_rows_sql(table), table.statement)

    # -- check: the job planned by Flink, nothing run -------------------------------------------------
    def check(self, job: Job, profile: Profile | None = None) -> str:
        """Plan the job as `run` would (Flink's parser, validator and optimizer; nothing runs, no broker is
        contacted) with its ML_PREDICT columns checked against the models' INPUT types. Tables keep their
        WITH options; Kafka tables get ``profile``'s connection options. Returns Flink's plan; raises
        EngineError (or ModelError) located at the statement Flink rejects."""
        def bind(table: TableDef):
            options = dict(table.options)
            if profile is not None and profile.kind == "kafka" and is_kafka_table(table):
                options = profile.kafka_options(table.name, options)
            return options

        from pyflink.table import ExplainDetail

        t_env, inserts = self.t_env, []
        with self._job_settings(t_env, job):
            statement_set = self._prepare(t_env, job, bind, planned_inserts=inserts)
            try:
                # down to the operators (the JSON execution plan): what a sink does with its time attribute
                plan = self._planned(t_env, lambda: statement_set.explain(ExplainDetail.JSON_EXECUTION_PLAN))
                job.sink_timestamps = sink_timestamps(plan)
                return plan.split(PHYSICAL_EXECUTION_PLAN)[0].rstrip() + "\n"
            except Exception as error:
                # The optimizer's rejections name no statement: plan the INSERTs one by one to find it.
                for stmt, sql in inserts:
                    one = t_env.create_statement_set()
                    try:
                        self._planned(t_env, lambda: one.add_insert_sql(sql))
                        self._planned(t_env, one.explain)
                    except Exception as single:
                        raise rejected(stmt, sql, single) from None
                raise EngineError(f"{job.path}: Flink cannot plan the job: {_java_message(error)}") from None

    # -- replay: the job over files ------------------------------------------------------------------
    def replay(self, job: Job, inputs: dict[str, Path], output_dir: Path) -> ReplayResult:
        """Run the job over files: sources read JSON Lines, every sink writes its changes to files, one Flink job.

        The INSERTs run as written; only the tables' WITH clauses change.
        """
        started = time.perf_counter()
        output_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="replay-", dir=self._staging))
        sources = {t.name for t in job.sources}
        self.dead_letters = []
        json_inputs = {name: self._as_json_lines(job.tables[name], inputs, work) for name in sources}

        def changes(path: Path) -> dict[str, str]:  # files of Debezium changes, timestamps as SQL text
            return {"connector": "filesystem", "path": str(path), "format": "debezium-json",
                    "debezium-json.timestamp-format.standard": "SQL"}

        def bind(table: TableDef):
            if table.name not in sources:
                return changes(work / "sinks" / table.name)
            fmt = changelog_format(table)
            if fmt == UPSERT:  # its records, as the changes they make (see _as_json_lines)
                return changes(json_inputs[table.name])
            if fmt:  # a changelog's records stay changes: Flink's own format reads them
                return {"connector": "filesystem", "path": str(json_inputs[table.name]), "format": fmt,
                        **{k: v for k, v in table.options.items() if k.startswith(f"{fmt}.")}}
            return {"connector": "filesystem", "path": str(json_inputs[table.name]), "format": "json",
                    "json.timestamp-format.standard": "SQL"}

        # Streaming, as the job runs in production; each sink's changes (+I, -U, +U, -D) go to files as
        # debezium-json, applied here: the final rows a streaming job leaves, where arrival order decides
        # (FIRST_VALUE, LISTAGG, ...), which batch mode, sorting its input, would not give.
        t_env = self._environment("streaming")
        # A watermark after every record (not every 200 ms of reading): which rows are late is then a
        # fact of the file's order, as in Flink's own test programs and in the DuckDB replay.
        # A replay fails at once where Flink's job fails (a run's checkpointing would have it restart forever).
        # Its mini-cluster's REST endpoint on any free port: a `run` before it in this JVM named a port of its
        # own, which its mini-cluster may still hold (seen as BindException in a CI run).
        with self._job_settings(t_env, job, {"pipeline.auto-watermark-interval": "0 ms",
                                             "restart-strategy.type": "none", "rest.port": "0"}):
            try:
                statement_set = self._prepare(t_env, job, bind, replay=True)
                self._planned(t_env, statement_set.execute).wait()
            except EngineError:
                raise
            except Exception as error:
                raise EngineError(f"{job.path}: Flink failed: {_java_message(error)}") from None
        result = ReplayResult(self.name)
        dl.keep_file_dead_letters(result, self.dead_letters, output_dir)
        for sink in job.sinks:
            path = output_dir / f"{sink.name}.parquet"
            table = _read_changelog_sink(sink, work / "sinks" / sink.name)
            pq.write_table(table, path)
            result.sinks[sink.name] = path
            result.rows[sink.name] = table.num_rows
        shutil.rmtree(work, ignore_errors=True)
        result.seconds = time.perf_counter() - started
        return result

    def _as_json_lines(self, table: TableDef, inputs: dict[str, Path], output_dir: Path) -> Path:
        """Flink here reads JSON Lines (no Parquet format jar): convert other files with DuckDB."""
        from streamscore.engines.duckdb import DuckDBEngine

        path = inputs.get(table.name)
        if path is None or not Path(path).exists():
            raise ConfigError(f"no input file for source table `{table.name}`: pass --input {table.name}=PATH "
                              "or bind it in connectors/replay.toml")
        if changelog_format(table) == UPSERT:
            # A file source reads no upsert stream: its records become the Debezium changes they make
            # (streamscore.changelog), which Flink's debezium-json format reads as a changelog.
            return self._duckdb_to_json_lines(table, output_dir, lambda con: (
                f"SELECT before, after, op FROM {DuckDBEngine.changelog_changes(con, table, path)} ORDER BY {POSITION}"))
        if dl.replay_guard_applies(table, Path(path)):
            # The records `run` would take as rows, as written; the rest are this replay's dead letters.
            good_lines, dead = dl.split_json_lines(table, Path(path), output_dir / "decoded")
            self.dead_letters.extend(dead)
            target = output_dir / "inputs" / f"{table.name}.jsonl"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"".join(line + b"\n" for line in good_lines))
            return target
        if file_format(Path(path)) == "json":
            return Path(path).resolve()
        return self._duckdb_to_json_lines(table, output_dir,
                                          lambda con: DuckDBEngine.physical_columns_sql(table, Path(path)))

    @staticmethod
    def _duckdb_to_json_lines(table: TableDef, output_dir: Path, query) -> Path:
        """``query(con)``'s rows, as DuckDB gives them, as the table's JSON Lines input (timestamps as Flink's
        JSON format reads them)."""
        import duckdb

        target = output_dir / "inputs" / f"{table.name}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute(f"COPY ({query(con)}) TO '{target}' (FORMAT json, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%g')")
        finally:
            con.close()
        return target

    # -- run: the job streaming over Kafka ------------------------------------------------------------
    def run(self, job: Job, profile: Profile, bounded: bool = False, max_records: int | None = None,
            idle_timeout: float | None = None, delivery: str = "at-least-once",
            checkpoint_interval: float | None = None, restore_from: Path | None = None,
            metrics_interval: float | None = 10.0, latency_key: str | None = "auto", prometheus_port: int | None = 0,
            log=print) -> RunResult:
        """Submit the job to the mini-cluster and wait for it.

        ``bounded``: read each Kafka source up to the offsets it has now, then finish (windows close).
        ``max_records``: read each source partition up to N records from its start, then finish.
        ``idle_timeout``: cancel once no sink topic has grown for that many seconds.
        ``delivery``: at-least-once or exactly-once (transactional Kafka sinks, committed per checkpoint);
        checkpoints go under ``.streamscore/state/<job>/checkpoints`` every ``checkpoint_interval`` seconds.
        ``restore_from``: a checkpoint or savepoint folder to start from. Ctrl-C (KeyboardInterrupt)
        stops the job with a savepoint under ``.streamscore/state/<job>/savepoints``.
        ``metrics_interval``: print records in/out/dead-lettered, model time and latency this often (None: off).
        ``latency_key``: the column matching sink records to source records ("auto": an *_id column they
        share; None: no latency tracking, which costs a consumer of both topics).
        ``prometheus_port``: serve Flink's metrics (streamscore's among them) for Prometheus at
        http://127.0.0.1:PORT/metrics while the job runs (0: a free port; None: off).
        """
        ends: dict[str, dict[int, int]] = {}
        bind, dead_letters = self._kafka_bindings(job, profile, delivery, bounded, max_records, ends, log)
        state = self.state_dir(job)
        settings = checkpoint_settings(delivery, checkpoint_interval, state / "checkpoints", restore_from)
        # Each run's mini-cluster serves its metrics (and the web UI) on its own loopback port: the last
        # run's may not have let go of its port yet.
        rest_port = free_port()
        settings.update({"rest.bind-address": "127.0.0.1", "rest.address": "127.0.0.1", "rest.port": str(rest_port),
                         "metrics.fetcher.update-interval": "500 ms"})
        if prometheus_port is not None:
            prometheus_port = prometheus_port or free_port()
            settings.update(prometheus_settings(str(prometheus_port)))
        final_counts = state / "final_counts.json"
        if metrics_interval:
            final_counts.parent.mkdir(parents=True, exist_ok=True)
            final_counts.unlink(missing_ok=True)
            settings.update(final_counts_settings(final_counts))
        with self._job_settings(self.t_env, job, settings):
            statement_set = self._prepare(self.t_env, job, bind, dead_letters=dead_letters)
            tracker = self._latency_tracker(job, profile, latency_key, log) if metrics_interval else None
            started = time.perf_counter()
            try:
                table_result = self._planned(self.t_env, statement_set.execute)
            except Exception as error:
                if tracker:
                    tracker.stop()
                raise EngineError(f"{job.path}: Flink could not start the job: {_java_message(error)}") from None
            client = table_result.get_job_client()
            job_id = str(client.get_job_id())
            restored = f", restored from {restore_from}" if restore_from else ""
            log(f"flink: job {job_id} running ({', '.join(i.sink for i in job.inserts)}; {delivery}{restored}); "
                f"web UI http://127.0.0.1:{rest_port}" + (f"; Prometheus http://127.0.0.1:{prometheus_port}/metrics"
                                                          if prometheus_port else ""))
            metrics = FlinkMetrics(f"http://127.0.0.1:{rest_port}", job_id, [t.name for t in job.sources])
            reporter = Reporter(metrics, tracker,
                                metrics_interval, log).start() if metrics_interval else None
            try:
                status, savepoint = self._wait(table_result, client, job, profile, idle_timeout,
                                               state / "savepoints", log, reporter.progress if reporter else None)
            finally:
                totals = reporter.stop(metrics.final_counts(final_counts)) if reporter else {}
        return RunResult(job_id, status, time.perf_counter() - started, ends, savepoint, totals)

    def _kafka_bindings(self, job: Job, profile: Profile, delivery: str, bounded: bool, max_records: int | None,
                        ends: dict, log):
        """How each Kafka table is bound for a run (profile, delivery, bounds) and where dead letters go."""
        from streamscore.kafka.client import ensure_topics, offset_ranges, partitions_of, use_profile

        if profile.kind != "kafka":
            raise ConfigError(f"profile {profile.name!r} is a {profile.kind} profile: jobs stream from Kafka "
                              "(use `streamscore replay` for files)")
        use_profile(profile)

        def bind(table: TableDef):
            options = dict(table.options)
            if not is_kafka_table(table):
                return options
            options = profile.kafka_options(table.name, options)
            if table in job.sinks:
                options.update(sink_delivery_options(delivery, job, table.name, options.get("topic", "")))
            if table in job.sources:
                # Fail before the job starts: Flink would wait forever on a missing topic.
                partitions = len(partitions_of(options["properties.bootstrap.servers"], options["topic"]))
                parallelism = int(self.config.get("parallelism.default", "1"))
                if parallelism > partitions and not bounded:
                    # A source subtask without a partition holds event time back for the whole job (measured on
                    # a cluster: no window fired). Reading with fewer subtasks than the job ('scan.parallelism')
                    # adds a round-robin step that reorders a key's rows, and a deduplicated versioned view
                    # then drops versions that come after a later one: more partitions is the fix.
                    log(f"warning: topic {options['topic']} of {table.name} has {partitions} partition(s), fewer "
                        f"than the parallelism {parallelism}: the source subtasks without one hold event time "
                        "back (windows and event-time joins wait); give the topic as many partitions, each key's "
                        "records in one of them")
            if table in job.sources and (bounded or max_records):
                ranges = offset_ranges(options["properties.bootstrap.servers"], options["topic"])
                # Bounded: up to the end there now; max_records: N records from each partition's start.
                offsets = {p: min(([end] if bounded else []) + ([low + max_records] if max_records else []))
                           for p, (low, end) in ranges.items()}
                ends[table.name] = offsets
                options["scan.bounded.mode"] = "specific-offsets"
                if table.watermark:
                    # A watermark after every record, as the replay reads history: the rows the run finds late
                    # are then the replay's, not an accident of how many records one 200 ms tick read.
                    options.setdefault("scan.watermark.emit.strategy", "on-event")
                options["scan.bounded.specific-offsets"] = ";".join(
                    f"partition:{p},offset:{o}" for p, o in sorted(offsets.items()))
            return options

        dead_letters = None
        if profile.dead_letter_topic:
            def sink_options(table: str, topic: str) -> dict[str, str]:
                kafka = {k: v for k, v in profile.kafka_options(table, {"connector": "kafka"}).items()
                         if not k.startswith(("scan.", "properties.group."))}
                return {**kafka, "topic": topic, **sink_delivery_options(delivery, job, table, topic)}

            dead_letters = DeadLetterRouting(
                sink_options(dl.DEAD_LETTER_TABLE, profile.dead_letter_topic), profile.max_record_bytes, log,
                sink_options(dl.LATE_ROWS_TABLE, profile.late_topic) if profile.late_topic else None)
            if any(t.options.get("connector") == "kafka" for t in job.sources):
                topics = [t for t in (profile.dead_letter_topic, profile.late_topic) if t]
                ensure_topics(profile.bootstrap_servers, topics, partitions=profile.partitions)
        return bind, dead_letters

    def submit(self, job: Job, profile: Profile, delivery: str = "at-least-once",
               checkpoint_interval: float | None = None, restore_from: str | None = None,
               checkpoint_dir: str | None = None, log=print) -> str:
        """Submit the job to the cluster this engine targets and return its id without waiting (detached)."""
        bind, dead_letters = self._kafka_bindings(job, profile, delivery, False, None, {}, log)
        directory = checkpoint_dir or (self.state_dir(job) / "checkpoints").resolve().as_uri()
        settings = checkpoint_settings(delivery, checkpoint_interval, directory, None)
        if restore_from:
            settings["execution.state-recovery.path"] = restore_from
        settings["pipeline.name"] = f"streamscore {job.name}"
        with self._job_settings(self.t_env, job, settings):
            statement_set = self._prepare(self.t_env, job, bind, dead_letters=dead_letters)
            try:
                table_result = self._planned(self.t_env, statement_set.execute)
            except Exception as error:
                raise EngineError(f"{job.path}: the cluster did not take the job: {_java_message(error)}") from None
            return str(table_result.get_job_client().get_job_id())

    @staticmethod
    def _latency_tracker(job: Job, profile: Profile, key: str | None, log) -> LatencyTracker | None:
        if key is None:
            return None
        found = latency_key(job, None if key == "auto" else key)
        if found is None:
            if key != "auto":
                raise ConfigError(f"no Kafka sink of {job.name} shares a column `{key}` with a Kafka source")
            return None
        source, sink, column = found
        options = {t.name: profile.kafka_options(t.name, t.options) for t in (source, sink)}
        log(f"metrics: latency = {source.name} record arrival -> {sink.name} record visible, matched by `{column}`")
        return LatencyTracker(options[source.name]["properties.bootstrap.servers"], options[source.name]["topic"],
                              options[sink.name]["topic"], column).start()

    @staticmethod
    def last_run_file(project, job: Job) -> Path:
        """Where `run` records the source offsets a bounded run read."""
        return project.root / ".streamscore" / "state" / job.name / "last_run.json"

    def state_dir(self, job: Job) -> Path:
        """Checkpoints and savepoints of a job (a local folder: the embedded mini-cluster's state)."""
        return self.project.root / ".streamscore" / "state" / job.name

    def _wait(self, table_result, client, job: Job, profile: Profile, idle_timeout: float | None,
              savepoints: Path, log, progress=None) -> tuple[str, str | None]:
        """Block until the job ends; cancel it when its sinks stay idle for ``idle_timeout`` seconds (and
        its counters, ``progress()``, stay put as long: a cancelled job's totals are the last ones read, so
        rows still being counted, late rows for one, must be read first); on KeyboardInterrupt stop it with
        a savepoint. Returns (status, savepoint path or None).

        Polls the job's status from this thread only. A second Python thread blocked in a Java call
        makes py4j open a second connection, served by another Java thread, and Flink's planner then
        fails in whichever thread lacks its thread-local metadata provider
        ("NullPointerException: metadataHandlerProvider", FLINK-23020)."""
        sink_options = [profile.kafka_options(s.name, s.options) for s in job.sinks
                        if is_kafka_table(s)]
        sink_topics = [(o["properties.bootstrap.servers"], o["topic"]) for o in sink_options]
        # Idle means no new output since the last: the clock starts at the job's first output (its sources
        # and Python workers take seconds to start), or after STARTUP_GRACE_SECONDS with none at all.
        started, first_size, last_size, last_change, cancelled = time.monotonic(), None, None, None, False
        last_counted = None
        try:
            while not _ended(client):
                time.sleep(0.5)
                if idle_timeout and sink_topics and not cancelled:
                    size = sum(_records_in(b, t) for b, t in sink_topics)
                    counted = progress() if progress else None
                    first_size = size if first_size is None else first_size
                    if size != last_size:
                        last_size, last_change = size, (time.monotonic() if size != first_size else None)
                    elif counted != last_counted and last_change is not None:
                        last_change = time.monotonic()  # no new output, but the job still counts rows
                    last_counted = counted
                    waited = time.monotonic() - (last_change or started)
                    if waited > (idle_timeout if last_change else max(idle_timeout, STARTUP_GRACE_SECONDS)):
                        log(f"flink: no new output for {waited:.0f}s, cancelling")
                        client.cancel().result()
                        cancelled = True
        except KeyboardInterrupt:
            log("flink: stopping the job with a savepoint ...")
            try:
                path = _stop_with_savepoint(client, savepoints)
            except Exception as error:
                raise EngineError(f"{job.path}: stopping with a savepoint failed: {_java_message(error)}") from None
            path = path[len("file:"):] if path.startswith("file:") else path
            log(f"flink: savepoint {path}\n       resume with: streamscore run {job.path} --from-savepoint {path}")
            return "STOPPED", path
        if cancelled:
            return "CANCELED", None
        try:
            table_result.wait()  # the job has ended: returns at once, raising its failure if it failed
        except Exception as error:
            raise EngineError(f"{job.path}: the Flink job failed: {_java_message(error)}") from None
        return "FINISHED", None


ENDED = {"FINISHED", "FAILED", "CANCELED"}
STARTUP_GRACE_SECONDS = 60


def _ended(client) -> bool:
    try:
        return client.get_job_status().result().name in ENDED
    except Exception:  # noqa: BLE001 - a finished job's mini-cluster has shut down: it has ended
        return True

DELIVERY_MODES = ("at-least-once", "exactly-once")
# Exactly-once output is visible to read_committed consumers at each checkpoint: the interval is latency.
DEFAULT_CHECKPOINT_SECONDS = {"at-least-once": 10.0, "exactly-once": 2.0}


def sink_delivery_options(delivery: str, job: Job, table: str, topic: str) -> dict[str, str]:
    """A Kafka sink's WITH options for the delivery guarantee."""
    if delivery not in DELIVERY_MODES:
        raise ConfigError(f"delivery {delivery!r}: use {' or '.join(DELIVERY_MODES)}")
    options = {"sink.delivery-guarantee": delivery}
    if delivery == "exactly-once":
        # Stable across restarts (a restarted job aborts the transactions its crashed run left open) and
        # distinct per topic: on a real Kafka, another deployment of the job writing other topics must not
        # share (and fence, or wait on) these transactional ids.
        options["sink.transactional-id-prefix"] = f"streamscore-{job.name}-{table}-{topic}"
        options["properties.transaction.timeout.ms"] = "600000"  # within the broker's default maximum (15 min)
    return options


PHYSICAL_EXECUTION_PLAN = "== Physical Execution Plan =="


def sink_timestamps(plan: str) -> dict[str, int]:
    """The sinks of a planned job that Flink writes with each record's timestamp taken from one of their
    columns (its time attribute: ``StreamRecordTimestampInserter``, named in the JSON execution plan with its
    sink's node id), and that column's position. A NULL there fails Flink's job."""
    inserters = dict(re.findall(r'"\[(\d+)\]:StreamRecordTimestampInserter\(rowtime field: (\d+)\)"', plan))
    return {name: int(inserters[node]) for name, node in
            re.findall(r'"contents" : "(?:Sink: )?([^"\[\]]+)\[(\d+)\]', plan) if node in inserters}


def checkpoint_settings(delivery: str, interval: float | None, directory: Path | str,
                        restore_from: Path | None) -> dict[str, str]:
    """Flink settings for periodic checkpoints kept after the job ends (a crashed run resumes from them)."""
    seconds = interval if interval is not None else DEFAULT_CHECKPOINT_SECONDS[delivery]
    settings = {
        "execution.checkpointing.interval": f"{int(seconds * 1000)} ms",
        "execution.checkpointing.mode": "EXACTLY_ONCE" if delivery == "exactly-once" else "AT_LEAST_ONCE",
        "execution.checkpointing.dir": directory if isinstance(directory, str) else directory.resolve().as_uri(),
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    }
    if restore_from is not None:
        if not (Path(restore_from) / "_metadata").is_file():
            raise ConfigError(f"{restore_from} is not a checkpoint or savepoint (no _metadata file)")
        settings["execution.state-recovery.path"] = Path(restore_from).resolve().as_uri()
    return settings


def latest_state(state_dir: Path) -> Path | None:
    """The newest complete checkpoint or savepoint of a job, or None."""
    found = [m.parent for m in state_dir.glob("checkpoints/*/chk-*/_metadata")]
    found += [m.parent for m in state_dir.glob("savepoints/*/_metadata")]
    return max(found, key=lambda p: (p / "_metadata").stat().st_mtime, default=None)


def _planner_metadata_provider(t_env) -> tuple:
    """(Calcite's thread-local of metadata providers, the value Flink set in this thread)."""
    from pyflink.java_gateway import get_gateway

    loader = t_env._j_tenv.getPlanner().getClass().getClassLoader()  # the planner's own class loader
    base = get_gateway().jvm.java.lang.Class.forName("org.apache.calcite.rel.metadata.RelMetadataQueryBase", True, loader)
    local = base.getField("THREAD_PROVIDERS").get(None)
    return local, local.get()


def _stop_with_savepoint(client, directory: Path) -> str:
    """Stop the job with a savepoint; returns its path. (PyFlink's ``stop_with_savepoint`` calls a Java
    signature Flink 2 no longer has: the savepoint format is now required.)"""
    from pyflink.common.completable_future import CompletableFuture
    from pyflink.java_gateway import get_gateway

    canonical = get_gateway().jvm.org.apache.flink.core.execution.SavepointFormatType.CANONICAL
    future = client._j_job_client.stopWithSavepoint(False, directory.resolve().as_uri(), canonical)
    return CompletableFuture(future, str).result()


def _on_gateway_classpath(extra: list[Path]) -> None:
    """The mini-cluster inside PyFlink's gateway JVM loads no plugins, so the metric reporters a run uses
    (Flink's Prometheus reporter, streamscore's final counts) must be on that JVM's classpath, with ``extra``
    jars; PyFlink extends it only through HADOOP_CLASSPATH (read when the JVM starts)."""
    import pyflink

    from streamscore.vendor import metrics_reporter_jar

    prometheus = next((Path(pyflink.__file__).parent / "plugins" / "metrics-prometheus").glob("*.jar"), None)
    current = os.environ.get("HADOOP_CLASSPATH", "")
    jars = [str(jar) for jar in (prometheus, metrics_reporter_jar(), *extra)
            if jar is not None and str(jar) not in current]
    os.environ["HADOOP_CLASSPATH"] = os.pathsep.join(filter(None, [current, *jars]))


JVM_SCORER_FUNCTION = "streamscore_lightgbm_predict"
JVM_SCORER_CLASS = "dev.streamscore.lightgbm.LightGbmPredict"


JVM_MODEL_FUNCTION_SQL = (f"CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS {JVM_MODEL_FUNCTION} AS '{JVM_MODEL_CLASS}' "
                          "LANGUAGE JAVA")
JVM_SCORER_FUNCTION_SQL = (f"CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS {JVM_SCORER_FUNCTION} AS "
                           f"'{JVM_SCORER_CLASS}' LANGUAGE JAVA")


MONITORING_FUNCTIONS_SQL = [f"CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS {name} AS '{java_class}' LANGUAGE JAVA"
                            for name, java_class in monitoring.JAVA_AGGREGATES.items()]


def stage_python(project_root: Path, target: Path) -> Path:
    """Ship udfs/ (code and model files) to the Python workers as the importable package ``udfs``, and
    streamscore itself (model and parse functions are pickled by reference to its modules): a
    cluster's workers need only the Python packages streamscore depends on."""
    import streamscore

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    source = project_root / "udfs"
    if source.is_dir():
        shutil.copytree(source, target / "udfs", dirs_exist_ok=True, ignore=ignore)
    shutil.copytree(Path(streamscore.__file__).parent, target / "streamscore", dirs_exist_ok=True, ignore=ignore)
    return target


def jvm_model_specs(job: Job) -> dict[str, dict]:
    """The job's model functions made by streamscore.models.model_function, scored in the JVM (their calls
    rewritten, see rewrites.inline_model_functions): name -> spec. Other functions run as Python UDFs."""
    specs = {}
    for function in job.functions.values():
        target = function_object(function)
        spec = jvm_spec(function.name, target) if hasattr(target, "streamscore_model") else None
        if spec is not None:
            specs[function.name.lower()] = spec
    return specs


def runnable_text(job: Job, stmt: Statement, project_root: Path, jvm_models: dict[str, dict],
                   merged: bool) -> str:
    """The statement as written: Flink runs it, ML_PREDICT included. Calls of model functions scored in the
    JVM (``jvm_models``) become calls of the JVM model function; when Flink would merge two models'
    ML_PREDICT calls (``merged``, see ``rewrites.merged_by_flink``) they are inlined as calls of the JVM
    scorer."""
    tree, changed = stmt.tree, False
    if jvm_models and calls_any(tree, jvm_models):
        tree, changed = inline_model_functions(tree, jvm_models), True
    if merged and has_ml_predict(tree):
        def jvm_call(model, arguments):
            path = str(model_files(resolve_declared_model(project_root, model).path)[1].resolve())
            return exp.Anonymous(this=JVM_SCORER_FUNCTION, expressions=[exp.Literal.string(path), *arguments])

        tree, changed = inline_ml_predict(tree, job, stmt, call=jvm_call), True
    return tree.sql(Flink) if changed else stmt.text


def rejected(stmt: Statement, sql: str, error: Exception) -> EngineError:
    """Flink's rejection of a statement, at the place in the job file Flink's message names when it names one
    ("From line 2, column 8 to ...", counted in the statement as written) or else at the statement."""
    message = re.sub(r"^(?:[a-z]\w*\.)+(?=[A-Z]\w*(?:Exception|Error): )", "", _java_message(error))
    line, column = stmt.line, stmt.column
    place = re.search(r"\b[Ff]rom line (\d+), column (\d+)|\bat line (\d+), column (\d+)", _java_text(error))
    if place and sql == stmt.text:
        at_line, at_column = int(place.group(1) or place.group(3)), int(place.group(2) or place.group(4))
        line, column = stmt.line + at_line - 1, (stmt.column + at_column - 1) if at_line == 1 else at_column
    return EngineError(f"{stmt.path}:{line}:{column}: Flink rejected the statement: {message}")


def check_model_inputs(t_env, job: Job) -> None:
    """Each ML_PREDICT column has its model's declared INPUT type exactly, as Flink types it: Flink plans a
    DECIMAL column into a DOUBLE input and then fails on the first row (ClassCastException), so a mismatch is
    an error before anything runs, naming the column and the CAST that fixes it."""
    from pyflink.java_gateway import get_gateway

    from streamscore.errors import ModelError

    jvm = get_gateway().jvm
    loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
    parse_type = lambda text: jvm.org.apache.flink.table.types.logical.utils.LogicalTypeParser.parse(text, loader)  # noqa: E731
    for query, stmt in [*((v.query, v.statement) for v in job.views.values()),
                        *((i.query, i.statement) for i in job.inserts)]:
        for call in (query.find_all(MLPredict) if query is not None else ()):
            table = next((a for a in call.expressions if isinstance(a, TableArgument)), None)
            model = next((a for a in call.expressions if isinstance(a, ModelArgument)), None)
            descriptor = next((a for a in call.expressions if isinstance(a, Descriptor)), None)
            model_def = job.models.get(model.this.name) if model is not None else None
            if table is None or descriptor is None or model_def is None or not isinstance(table.this, exp.Table):
                continue
            schema = t_env.from_path(table.this.name)._j_table.getResolvedSchema()
            for column, declared in zip(descriptor.expressions, model_def.inputs):
                found = schema.getColumn(column.name)
                if not found.isPresent():
                    continue  # Flink's own validation names a missing column
                actual = found.get().getDataType().getLogicalType().copy(True)
                wanted = parse_type(declared.type.sql(Flink)).copy(True)
                if not actual.equals(wanted):
                    raise stmt.error(
                        ModelError, f"ML_PREDICT passes `{column.name}` as {actual.asSummaryString()} to model "
                        f"{model_def.name}, whose INPUT declares `{declared.name}` {wanted.asSummaryString()}: Flink "
                        "accepts the job and then fails on its first row (ClassCastException)", column,
                        f"CAST({column.name} AS {wanted.asSummaryString()}) where `{table.this.name}` computes it")


FLINK_OPTION_CLASSES = ("org.apache.flink.table.api.config.ExecutionConfigOptions",
                        "org.apache.flink.table.api.config.OptimizerConfigOptions",
                        "org.apache.flink.table.api.config.TableConfigOptions",
                        "org.apache.flink.configuration.PipelineOptions",
                        "org.apache.flink.configuration.ExecutionOptions",
                        "org.apache.flink.configuration.CheckpointingOptions",
                        "org.apache.flink.configuration.RestartStrategyOptions",
                        "org.apache.flink.configuration.StateRecoveryOptions")


def _flink_default(key: str) -> str | None:
    """The default value of Flink's table or pipeline option ``key``, as text; None when it has none."""
    from py4j.java_gateway import JavaObject
    from pyflink.java_gateway import get_gateway

    jvm = get_gateway().jvm
    for name in FLINK_OPTION_CLASSES:
        for field in jvm.java.lang.Class.forName(name).getFields():
            if field.getType().getName() != "org.apache.flink.configuration.ConfigOption":
                continue
            option = field.get(None)
            if option.key() != key:
                continue
            if not option.hasDefaultValue():
                return None
            value = option.defaultValue()
            if isinstance(value, bool):
                return str(value).lower()
            if isinstance(value, JavaObject) and value.getClass().getName() == "java.time.Duration":
                return f"{value.toMillis()} ms"
            return str(value)
    return None


def _records_in(bootstrap: str, topic: str) -> int:
    """Records in a sink topic so far (0 until the job first writes to it)."""
    from streamscore.errors import BrokerError
    from streamscore.kafka.client import end_offsets

    try:
        return sum(end_offsets(bootstrap, topic).values())
    except BrokerError:
        return 0


def _java_text(error: Exception) -> str:
    """The whole text of an error from the JVM, causes included, credentials redacted."""
    chain = [error]
    while chain[-1].__cause__ or chain[-1].__context__:  # PyFlink re-raises py4j's error, message in it
        chain.append(chain[-1].__cause__ or chain[-1].__context__)
    return redact("\n".join(str(e) for e in chain))


def _java_message(error: Exception) -> str:
    """The innermost 'Caused by' line of a Java exception, or the first line, credentials redacted
    (Flink's messages can list a table's options)."""
    text = _java_text(error)
    causes = [line.strip() for line in text.splitlines() if line.strip().startswith("Caused by:")]
    if causes:
        return causes[-1][len("Caused by:"):].strip()[:500]
    lines = text.strip().splitlines()
    thrown = next((i for i, line in enumerate(lines) if line.startswith(": ") and "Exception" in line), None)
    if thrown is not None:  # py4j: ': org...ValidationException: message', more lines, then the stack
        message = []
        for line in lines[thrown:]:
            if line.startswith("\tat "):
                break
            message.append(line.strip(": ").strip())
        return " ".join(m for m in message if m)[:500]
    return (lines[0] if lines else repr(error))[:500]
