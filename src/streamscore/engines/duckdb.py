"""DuckDB engine: the job's SQL translated by sqlglot, over files. Fast, local, offline."""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from streamscore import changelog, history, late, monitoring
from streamscore.config import file_format
from streamscore.engines import ReplayResult
from streamscore.javatext import java_double_to_string, java_float_to_string
from streamscore.errors import ConfigError, EngineError
from streamscore.models.checks import check_job_models, function_object, resolve_declared_model, resolve_model
from streamscore.models.scorer import OUTPUTS, function_spec, score_outputs
from streamscore.sql.rewrites import model_function_name
from streamscore.sql.statements import InsertDef, Job, TableDef
from streamscore.sql.match import fill_match_table
from streamscore.sql.translate import Translator
from streamscore.sql.typed import duckdb_type

_READERS = {
    "json": "read_json({path}, format = 'newline_delimited', columns = {columns})",
    "csv": "read_csv({path}, header = true, columns = {columns})",
    "parquet": "read_parquet({path})",
}


def ident(name: str) -> str:
    """A column or table name as DuckDB reads it (quoted when it must be)."""
    return exp.to_identifier(name).sql("duckdb")


def _literal(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, project, drop_late: bool = False, keep_late: bool = False, use_cache: bool = True,
                 memory_limit: str | None = None, progress: "history.Progress | None" = None):
        """Rows behind their source's watermark on arrival: Flink drops them per operator, which the replay
        does not model yet, so a replay of a job where that matters refuses them unless told to drop them
        all at the source (``drop_late``) or keep them all (``keep_late``).

        ``use_cache``: decoded inputs are kept under .streamscore/cache (see streamscore.history);
        ``memory_limit``: DuckDB's (e.g. "4GB"), spilling to .streamscore/tmp beyond it; ``progress``:
        rows read and sink rows on stderr for long replays."""
        self.project = project
        self.drop_late = drop_late
        self.keep_late = keep_late
        self.use_cache = use_cache and not os.environ.get("STREAMSCORE_NO_CACHE")
        self.memory_limit = memory_limit or history.env_memory_limit()
        self.progress = progress

    # -- the interface ---------------------------------------------------------------------------
    def translate(self, job: Job, inputs: dict[str, Path] | None = None) -> list[str]:
        """The DuckDB statements the job becomes, in order (sources bound to files when given)."""
        inputs = inputs or {}
        translator = Translator(job, model_late=not self.keep_late)
        out = []
        for source in job.sources:
            out.append(self._source_sql(source, inputs.get(source.name), translator))
            if source.watermark and translator.model_late:
                out.append(translator.watermarked_sql(source))
        for view in job.views.values():
            out.append(f"CREATE OR REPLACE TEMPORARY VIEW {ident(view.name)} AS {translator.views[view.name].sql('duckdb')}")
        for insert in job.inserts:
            out.append(self.sink_query(job, insert, translator))
        if any(op.frame != "window" for op in translator.late_operators.values()):
            out.insert(0, f"-- the rows Flink's OVER, sort and MATCH_RECOGNIZE operators drop as late (decided on the data)\n"
                          f"{DROPS_TABLE_SQL}")
        return out

    def connect(self, job: Job, inputs: dict[str, Path], models: bool = True, translator: Translator | None = None,
                sources: list[TableDef] | None = None, extra: list[TableDef] | None = None,
                extra_translator: Translator | None = None):
        """A connection where the job's sources read their inputs, its views exist and its models are callable.

        ``models=False`` skips the model functions (training runs before the model exists). ``sources``:
        the tables to read (default: the job's sources). ``extra``: more tables to read (a project's
        tables the job does not read, e.g. labels), their computed columns translated by ``extra_translator``.
        """
        translator = translator or Translator(job, model_late=not self.keep_late)
        con = duckdb.connect()
        for setting in history.memory_settings(self.project.root, self.memory_limit):
            con.execute(setting).fetchall()
        # DuckDB's own progress bar for long replays, in a terminal only.
        con.execute(f"SET enable_progress_bar = {str(sys.stderr.isatty()).lower()}").fetchall()
        # Flink's TIMESTAMP_LTZ functions use table.local-time-zone (UTC unless the job SETs it).
        con.execute(f"SET TimeZone = {_literal(job.settings.get('table.local-time-zone', 'UTC'))}").fetchall()
        register_flink_helpers(con)
        register_monitoring(con, self.project.root)
        con.execute(DROPS_TABLE_SQL).fetchall()
        skipped = set()
        if models:
            self.register_models(con, job, translator)
        else:
            skipped = job.views_calling(set(job.functions))
        self.late_rows, self.dead_letters = {}, []
        decoded = history.Decoded(self.project.root, self.use_cache, self.progress,
                                  job.settings.get("table.local-time-zone", "UTC"))
        try:
            for source in job.sources if sources is None else sources:
                relation = self._load(con, source, inputs, decoded)
                self._execute(con, self._source_sql(source, relation, translator), source)
                if source.watermark:
                    con.execute(translator.watermarked_sql(source)).fetchall()
                    self.late_rows[source.name] = self._late_rows(con, source)
            for table in extra or []:
                relation = self._load(con, table, inputs, decoded)
                self._execute(con, self._source_sql(table, relation, extra_translator or translator), table)
        finally:
            decoded.close()
        self.cache_hits, self.cache_misses = decoded.hits, decoded.misses
        self.decide_late(con, translator)
        self._matched = set()
        for view in job.views.values():
            if view.name in skipped:
                continue
            self._fill_matches(con, translator, view.name)
            body = translator.views[view.name].sql("duckdb")
            self._execute(con, f"CREATE OR REPLACE TEMPORARY VIEW {ident(view.name)} AS {body}", view)
        return con

    def replay(self, job: Job, inputs: dict[str, Path], output_dir: Path) -> ReplayResult:
        started = time.perf_counter()
        output_dir.mkdir(parents=True, exist_ok=True)
        # Translates every view once, for the connection and the sinks.
        translator = Translator(job, model_late=not self.keep_late)
        con = self.connect(job, inputs, translator=translator)
        result = ReplayResult(self.name, late_rows=dict(self.late_rows))
        history.keep_dead_letters(result, self.dead_letters, output_dir)
        queries = {sink.name: [self.sink_query(job, i, translator) for i in job.inserts if i.sink == sink.name]
                   for sink in job.sinks}
        self.decide_late(con, translator)  # the sinks' own operators
        result.notes = list(translator.notes)
        for op in translator.late_operators.values():
            if op.dropped:
                result.late_dropped[op.kind] = result.late_dropped.get(op.kind, 0) + op.dropped
        self._fill_matches(con, translator, None)
        for sink in job.sinks:
            path = output_dir / f"{sink.name}.parquet"
            union = " UNION ALL ".join(f"({q})" for q in queries[sink.name])
            self._execute(con, f"COPY ({union}) TO {_literal(str(path))} (FORMAT parquet)", sink)
            result.sinks[sink.name] = path
            counted = con.execute(f"SELECT count(*) FROM read_parquet({_literal(str(path))})")
            result.rows[sink.name] = counted.fetchall()[0][0]
            if self.progress:
                self.progress.say(f"{sink.name}: {result.rows[sink.name]:,} sink rows")
        con.close()
        try:  # after the queries: a refusal they raise (ties, ...) names the data's problem first
            self._refuse_late_rows(job, translator)
        except EngineError:
            for path in result.sinks.values():
                path.unlink(missing_ok=True)  # no result file of a refused replay
            raise
        result.seconds = time.perf_counter() - started
        return result

    def register_models(self, con: duckdb.DuckDBPyConnection, job: Job, translator: Translator) -> None:
        """Each model function as a fixed-arity Arrow UDF, after its calls are checked."""
        self.project.import_udfs()
        check_job_models(job, translator)
        for function in job.functions.values():
            resolve_model(function)  # loads and checks the model, with the error located
            ref, outputs, threshold = function_spec(function_object(function))
            register_model_function(con, function.name, ref.model, outputs, threshold)
        for model in job.models.values():
            register_model_function(con, model_function_name(model),
                                    resolve_declared_model(self.project.root, model), ("score",), 0.5)

    # -- pieces ------------------------------------------------------------------------------------
    def sink_query(self, job: Job, insert: InsertDef, translator: Translator) -> str:
        """The INSERT's query, cast to the sink's declared columns (as Flink's INSERT does)."""
        sink = job.tables[insert.sink]
        query = translator.query(insert.query, insert.statement)
        physical = [c for c in sink.columns if c.is_physical]
        if sink.as_select is not None and not physical:
            return self._table_as_select(job, sink, query, insert)
        targets = insert.columns or [c.name for c in physical]
        if not query.is_star and len(query.selects) != len(targets):
            raise insert.statement.error(EngineError, f"INSERT INTO {sink.name} gives {len(query.selects)} columns "
                                         f"for {len(targets)} ({', '.join(targets)})", insert.query)
        # Positional, as INSERT is: rename the query's columns to _c0.._cN whatever they are called.
        position = {name: f"_c{i}" for i, name in enumerate(targets)}
        renamed = f"({query.sql('duckdb')}) AS q({', '.join(position.values())})"
        casts = [
            f"CAST({position.get(c.name, 'NULL')} AS {duckdb_type(c.type)}) AS {ident(c.name)}"
            for c in physical
        ]
        enforced = self._not_null_enforced(job, sink, f"SELECT {', '.join(casts)} FROM {renamed}")
        return self._timestamp_inserted(job, sink, enforced)

    @staticmethod
    def _not_null_enforced(job: Job, sink: TableDef, query: str) -> str:
        """Flink's sink NOT NULL enforcer over ``query``: a NULL in a NOT NULL (or primary key) column fails
        the job, or with ``table.exec.sink.not-null-enforcer`` = DROP drops its row."""
        columns = sink.not_null
        if not columns:
            return query
        if job.settings.get("table.exec.sink.not-null-enforcer", "ERROR").upper() == "DROP":
            return f"SELECT * FROM ({query}) WHERE " + " AND ".join(f"{ident(c)} IS NOT NULL" for c in columns)
        checks = ", ".join(
            f"CASE WHEN {ident(c)} IS NULL THEN error({_literal(_NULL_IN_SINK.format(column=c, sink=sink.name))}) "
            f"ELSE {ident(c)} END AS {ident(c)}" for c in columns)
        return f"SELECT * REPLACE ({checks}) FROM ({query})"

    @staticmethod
    def _timestamp_inserted(job: Job, sink: TableDef, query: str) -> str:
        """Flink's job fails on a NULL in the column its plan copies into each record's timestamp (the sink's
        time attribute, ``job.sink_timestamps`` from Flink's check): an outer interval join's padding there."""
        physical = [c for c in sink.columns if c.is_physical]
        if job.sink_timestamps.get(sink.name, len(physical)) >= len(physical):
            return query
        column = physical[job.sink_timestamps[sink.name]].name
        message = _NULL_TIMESTAMP.format(column=column, sink=sink.name)
        check = f"CASE WHEN {ident(column)} IS NULL THEN error({_literal(message)}) ELSE {ident(column)} END"
        return f"SELECT * REPLACE ({check} AS {ident(column)}) FROM ({query})"

    @staticmethod
    def _table_as_select(job: Job, sink: TableDef, query: exp.Query, insert: InsertDef) -> str:
        """A CREATE TABLE ... AS SELECT's rows: the query's columns in its own types, named as Flink names
        them (an expression without an alias is EXPR$<position>)."""
        written = insert.query.selects if isinstance(insert.query, exp.Select) else []
        rows = query.sql("duckdb")
        if written and not any(s.is_star for s in written):
            names = [s.alias_or_name if isinstance(s, (exp.Alias, exp.Column)) else f"EXPR${i}"
                     for i, s in enumerate(written)]
            rows = f"SELECT * FROM ({rows}) AS q({', '.join(ident(n) for n in names)})"
        return DuckDBEngine._not_null_enforced(job, sink, rows)

    def _fill_matches(self, con, translator: Translator, owner: str | None) -> None:
        """The tables of the MATCH_RECOGNIZE clauses in ``owner`` (a view; None: the INSERTs), before it runs."""
        for relation in translator.matches:
            if relation.name not in self._matched and (owner is None or relation.owner == owner):
                fill_match_table(con, relation)
                self._matched.add(relation.name)

    def _load(self, con, source: TableDef, inputs: dict[str, Path], decoded: "history.Decoded") -> str:
        """The source's rows as a view in ``con``: its input's files decoded once (JSON Lines of a guarded
        table by the JVM decoder `run` uses, so the same records become rows and dead letters as when `run`
        reads them; the dead letters kept for the replay's output), Parquet read as it is."""
        spec = inputs.get(source.name)
        if spec is None:
            raise ConfigError(f"no input file for source table `{source.name}`: pass --input {source.name}=PATH "
                              "or bind it in connectors/replay.toml")
        if history.is_topic(spec):
            raise ConfigError(f"input `{source.name}`={spec}: resolve topic inputs first (replay.resolve_inputs)")
        if changelog.changelog_format(source):
            return self._load_changelog(con, source, spec)
        reader, dead = decoded.table(source, spec)
        self.dead_letters.extend(dead)
        name = f"__records_{source.name}"
        con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {ident(name)} AS SELECT * FROM {reader}").fetchall()
        return name

    @classmethod
    def _load_changelog(cls, con, source: TableDef, spec) -> str:
        """A changelog source's rows as they stand after its file's last change, or with a WATERMARK every
        version its changes bring (``streamscore.changelog``)."""
        changes = cls.changelog_changes(con, source, spec)
        name = f"__records_{source.name}"
        columns = [ident(c.name) for c in source.columns if c.is_physical]
        if source.watermark:
            changelog.refuse_deletes(con, source, changes)
            rows = changelog.versions_sql(source, changes, columns)
        else:
            rows = changelog.final_rows_sql(source, changes, columns)
        con.execute(f"CREATE OR REPLACE TEMPORARY VIEW {ident(name)} AS {rows}").fetchall()
        return name

    @staticmethod
    def changelog_changes(con, source: TableDef, spec) -> str:
        """A changelog source's input as a relation of Debezium changes (``changelog.envelope_columns`` and
        ``changelog.POSITION``, the records Flink would skip left out): a debezium-json file's records as
        they are, an upsert-kafka table's records (or rows) as the changes they make."""
        if any(not c.is_physical for c in source.columns if c.in_replay_file):
            raise ConfigError(f"`{source.name}`: metadata columns of a changelog table are not replayed")
        kind = changelog.changelog_format(source)
        files = history.files_of(spec)
        listed = "[" + ", ".join(_literal(str(f.path)) for f in files) + "]"
        records = ident(f"__changes_{source.name}")

        def struct(names: list[str]) -> str:
            return "STRUCT(" + ", ".join(f"{ident(n)} {duckdb_type(source.column(n).type)}" for n in names) + ")"

        if kind == changelog.UPSERT:
            key, value = changelog.upsert_fields(source)
            column_of = dict(zip(key, source.primary_key))  # a key field's column ('key.fields-prefix')
        if kind == changelog.UPSERT and files[0].format == "parquet":  # rows: each one upserts its key
            con.execute(f"CREATE OR REPLACE TEMPORARY TABLE {records} AS SELECT "
                        f"struct_pack({', '.join(f'{ident(k)} := {ident(column_of[k])}' for k in key)}) AS key, "
                        f"struct_pack({', '.join(f'{ident(v)} := {ident(v)}' for v in value)}) AS value "
                        f"FROM read_parquet({listed})").fetchall()
        elif files[0].format != "json":
            raise ConfigError(f"`{source.name}` is a {kind} changelog: its input must be JSON Lines of its records"
                              f"{' (or Parquet rows)' if kind == changelog.UPSERT else ''}, not {files[0].format}")
        else:
            if kind == changelog.UPSERT:
                key_struct = "STRUCT(" + ", ".join(
                    f"{ident(k)} {duckdb_type(source.column(column_of[k]).type)}" for k in key) + ")"
                envelope = {"key": key_struct, "value": struct(value)}
            else:
                physical = [c.name for c in source.columns if c.is_physical]
                envelope = changelog.envelope_columns(source, struct(physical))
            columns = "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in envelope.items()) + "}"
            con.execute(f"CREATE OR REPLACE TEMPORARY TABLE {records} AS SELECT * FROM read_json({listed}, "
                        f"format = 'newline_delimited', columns = {columns})").fetchall()
        positioned = f"(SELECT *, rowid AS {changelog.POSITION} FROM {records})"
        if kind == changelog.UPSERT:
            keyless = con.execute(f"SELECT {changelog.POSITION} FROM {positioned} WHERE key IS NULL "
                                  f"ORDER BY {changelog.POSITION} LIMIT 1").fetchone()
            if keyless is not None:
                raise ConfigError(f"`{source.name}` (upsert-kafka): record {keyless[0] + 1} has no key: its input "
                                  'is JSON Lines of Kafka records, {"key": {...}, "value": {...} or null} (a null '
                                  "value deletes the key's row), or Parquet rows")
            return f"({changelog.upsert_changes_sql(source, positioned, ident)})"
        return changelog.check_records(con, source, positioned)

    @staticmethod
    def physical_columns_sql(source: TableDef, path: Path | str | None, fmt: str | None = None,
                             sink: bool = False) -> str:
        """SELECT of the table's columns read from its file, cast to the declared types: a source's
        physical and METADATA columns, a sink's physical columns (what an INSERT writes)."""
        physical = [c for c in source.columns if (c.is_physical if sink else c.in_replay_file)]
        columns = "{" + ", ".join(f"{_literal(c.name)}: {_literal(duckdb_type(c.type))}" for c in physical) + "}"
        if isinstance(path, str):  # a relation (a source's decoded rows), or with fmt "sql" a reader's SQL
            reader = path if fmt == "sql" else ident(path)
        elif not fmt and path is not None and not history.is_plain(path):
            # Translation shown over a glob, folder or compressed file: DuckDB's readers over its files.
            files = history.files_of(path)
            listed = "[" + ", ".join(_literal(str(f.path)) for f in files) + "]"
            hive = ", hive_partitioning = true" if files[0].partitions else ""
            reader = _READERS[files[0].format].format(path=listed, columns=columns)[:-1] + hive + ")"
        else:
            fmt = fmt or (file_format(path) if path else "json")
            reader = _READERS[fmt].format(path=_literal(str(path or f"<{source.name} file>")), columns=columns)
        select = [f"CAST({ident(c.name)} AS {duckdb_type(c.type)}) AS {ident(c.name)}" for c in physical]
        return f"SELECT {', '.join(select)} FROM {reader}"

    def _source_sql(self, source: TableDef, path: Path | None, translator: Translator) -> str:
        computed = []
        for column in source.columns:
            if column.computed is not None:
                expr = translator.expression(column.computed, source.statement, source.name).sql("duckdb")
                computed.append(f"{expr} AS {ident(column.name)}")
        select = (f"SELECT *{''.join(', ' + c for c in computed)} FROM ({self.physical_columns_sql(source, path)}) "
                  f"AS {ident(source.name)}")
        # Materialized once: every view and sink reads the same rows.
        return f"CREATE OR REPLACE TEMPORARY TABLE {ident(source.name)} AS {select}"

    def decide_late(self, con, translator: Translator) -> None:
        """Decide, for each operator the translation models and not yet decided, which late rows it drops
        (``streamscore.late``): windows filter in SQL (counted here), OVER and temporal sorts over the data
        (their dropped rows into the drops table), session windows too (each kept row's session into the
        sessions table, late rows or not). Nothing else to decide over a source without late rows, nor when late
        rows were all dropped or all kept."""
        for op in translator.late_operators.values():
            if op.decided:
                continue
            op.decided = True
            if op.frame == "session":  # always: it numbers the sessions too
                rows = con.sql(op.sql).to_arrow_table().to_pydict()
                dropped, session_of = late.sessions(op.offset, rows)
                con.execute(f"INSERT INTO {late.SESSIONS_TABLE} SELECT ?, unnest(?), unnest(?)",
                            [op.id, list(session_of), list(session_of.values())]).fetchall()
                op.dropped = len(dropped)
                continue
            if op.frame == "temporal":  # drops nothing; its probe side's late rows go on
                if not self.drop_late and not self.keep_late:
                    self._decide_temporal_join(con, op)
                continue
            if op.frame == "interval":  # drops nothing; both sides' late rows go on
                if not self.drop_late and not self.keep_late:
                    self._decide_interval_join(con, op)
                continue
            if not self.late_rows.get(op.source) or self.drop_late or self.keep_late:
                continue
            if op.frame == "window_join":
                fired = con.execute(op.sql).fetchall()[0][0]
                if fired:
                    op.problem = (f"{fired:,} of its rows came after their window had fired by their own input's "
                                  "watermark: Flink's window join drops such a row or not by how it interleaves "
                                  "its two inputs")
                continue
            if op.frame == "window":
                try:
                    # fetchall: a result left unfinished (fetchone) blocks the connection's next statement
                    op.dropped = con.execute(op.sql).fetchall()[0][0]
                except duckdb.Error:  # counted over the windowed rows as written: Flink functions in a view
                    translator.notes.append(f"{op.id}: the rows {op.kind} drops as late are dropped, not counted")
                continue
            rows = con.sql(op.sql).to_arrow_table().to_pydict()
            dropped, op.passes_late, op.problem = late.simulate(op.frame, op.offset, rows)
            op.dropped = len(dropped)
            if dropped:
                con.execute(f"INSERT INTO {late.DROPS_TABLE} SELECT ?, unnest(?)", [op.id, dropped]).fetchall()

    def _decide_join(self, con, op: "late.LateOperator", passes_late: int, problem: str) -> None:
        """A join that drops nothing (temporal, interval): its result is the replay's unless its problem count
        (``op.sql``) finds rows Flink joins or not by how it interleaves its inputs; its late rows go on."""
        try:
            problems = con.execute(op.sql).fetchall()[0][0]
        except duckdb.Error as error:
            op.problem = f"its rows could not be checked against its inputs' watermarks ({str(error).splitlines()[0]})"
            return
        if problems:
            op.problem = f"{problems:,} {problem}: Flink's result depends on how it interleaves the two inputs"
        op.passes_late = passes_late

    def _decide_temporal_join(self, con, op: "late.LateOperator") -> None:
        self._decide_join(con, op, self.late_rows.get(op.source, 0),
                          "of its input rows are strictly behind their watermark (or a version ties with its "
                          "watermark and a probe row of its key and time)")

    def _decide_interval_join(self, con, op: "late.LateOperator") -> None:
        late_rows = self.late_rows.get(op.source, 0) + self.late_rows.get(op.source_too, 0)
        if late_rows:
            self._decide_join(con, op, late_rows,
                              "of the pairs it joins have a row that may be forgotten, or not kept, before its "
                              "partner comes (a row behind its own input's watermark by about the join's bounds)")

    def _refuse_late_rows(self, job: Job, translator: Translator) -> None:
        """Late rows that reach an operator the replay does not model (or cannot follow on this data) make
        its result possibly unlike Flink's: refuse, naming the operators."""
        late_sources = {source for source, n in self.late_rows.items() if n}
        if not late_sources or self.drop_late or self.keep_late:
            return
        places = late.unmodeled(job, late_sources, translator.late_covered, translator.late_operators)
        places += [f"{op.id}: {op.kind}: {op.problem}" for op in translator.late_operators.values() if op.problem]
        if not places:
            return
        counts = ", ".join(f"{self.late_rows[s]:,} of `{s}`" for s in sorted(late_sources))
        raise EngineError(
            f"{job.path}: rows arrive behind their source's watermark ({counts}) and reach operators whose late "
            f"rows the replay does not decide as Flink does: {'; '.join(places)}. The replay decides them for "
            "window aggregates and window top-N over TUMBLE/HOP/CUMULATE, SESSION windows, OVER, MATCH_RECOGNIZE, "
            "keep-first deduplication, window joins, interval joins, event-time temporal joins and an INSERT's "
            "temporal sort, each "
            "reading a source table (or a view filtering and projecting it); so its result could differ from "
            "Flink's (--keep-late replays every row, --drop-late drops them all at the source; `replay --engine "
            "flink` gives Flink's result)")

    def _late_rows(self, con, source: TableDef) -> int:
        """Count (and with ``drop_late``, delete) rows at or behind the watermark they find on arrival (the
        source's watermarked view, ``late.watermarked_sql``: as if Flink emitted one per row; its periodic
        watermarks lag, so it drops at most these). Which of them each operator drops: ``decide_late``.
        """
        behind = (f"SELECT {late.ROW} FROM {ident(late.watermarked_name(source.name))} "
                  f"WHERE epoch_ms({ident(source.rowtime)}) <= {late.WATERMARK}")
        count = con.execute(f"SELECT count(*) FROM ({behind})").fetchall()[0][0]
        if count and self.drop_late:
            con.execute(f"DELETE FROM {ident(source.name)} WHERE rowid IN ({behind})").fetchall()
        return count

    @staticmethod
    def _execute(con, sql: str, owner) -> None:
        try:
            con.execute(sql).fetchall()  # finished: DuckDB 2 keeps a connection busy until it is
        except duckdb.Error as error:
            stmt = owner.statement
            raise stmt.error(EngineError, f"DuckDB failed on `{getattr(owner, 'name', '')}`: "
                             f"{str(error).splitlines()[0]}") from None


_NULL_IN_SINK = ("Column '{column}' is NOT NULL, however, a null value is being written into it (Flink's job fails "
                 "on it in sink {sink}; 'table.exec.sink.not-null-enforcer' = 'DROP' drops such rows)")

_NULL_TIMESTAMP = ("a NULL time attribute `{column}` (an outer join's padding?) is written into sink {sink}, whose "
                   "records Flink stamps with it: Flink's job fails on it (NullPointerException in its "
                   "StreamRecordTimestampInserter); CAST({column} AS TIMESTAMP(3)) writes it as a plain timestamp")

DROPS_TABLE_SQL = (f"CREATE OR REPLACE TEMPORARY TABLE {late.DROPS_TABLE} (__operator VARCHAR, {late.ROW} BIGINT); "
                   f"CREATE OR REPLACE TEMPORARY TABLE {late.SESSIONS_TABLE} (__operator VARCHAR, {late.ROW} BIGINT, "
                   f"{late.SESSION} BIGINT)")


# SQL macros and Python functions the translation calls where DuckDB has no function of Flink's meaning.
FLINK_MACROS = {
    # Flink rounds the decimal the double prints as, half away from zero (2.675 -> 2.68).
    "__flink_round": "(x, d) AS CASE WHEN abs(x) < 1e18 THEN round(CAST(CAST(x AS VARCHAR) AS DECIMAL(38, 18)), d) "
                     "ELSE round(x, d) END",
    "__flink_truncate": "(x, d) AS CASE WHEN abs(x) < 1e18 THEN trunc(CAST(CAST(x AS VARCHAR) AS DECIMAL(38, 18)) "
                        "* power(10, d)) / power(10, d) ELSE trunc(x) END",
}


def flink_regexp_extract(text: str, pattern: str, group: int) -> str | None:
    """Flink's REGEXP_EXTRACT (Java regex): group ``group`` of the first match; NULL when nothing matches,
    the group did not take part, or there is no such group."""
    match = re.search(pattern, text)
    if match is None or not 0 <= group <= (match.re.groups or 0):
        return None
    return match.group(group)


def flink_regexp_replace(text: str, pattern: str, replacement: str) -> str:
    """Flink's REGEXP_REPLACE: every match (empty ones too, as Java's replaceAll) by the text as written."""
    return re.sub(pattern, lambda _: replacement, text)


def flink_json_text(text: str) -> str:
    """JSON as Flink writes it back: object keys in order, no spaces."""
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def flink_hash(algorithm: str, text: str) -> str | None:
    """MD5 / SHA-1 / SHA-2 of the UTF-8 text, lower-case hex (Flink's hash functions)."""
    if algorithm not in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
        return None  # SHA2 with a bit length Flink does not support
    return hashlib.new(algorithm, text.encode("utf-8", "surrogatepass")).hexdigest()


def flink_chr(code: int) -> str | None:
    return None if code < 0 else chr(code % 256)  # Flink's CHR: the character of code mod 256


def flink_regexp_count(text: str, pattern: str) -> int:
    return sum(1 for _ in re.finditer(pattern, text))


def flink_regexp_instr(text: str, pattern: str) -> int:
    match = re.search(pattern, text)
    return match.start() + 1 if match else 0


# java.net.URL knows these protocols; any other (or none) is a MalformedURLException: NULL in Flink.
JAVA_URL_PROTOCOLS = {"http", "https", "ftp", "file", "jar", "mailto"}


def flink_parse_url(url: str, part: str) -> str | None:
    """PARSE_URL(url, part) as Flink computes it with java.net.URL (no case folding, no decoding)."""
    scheme, colon, rest = url.partition(":")
    if not colon or scheme.lower() not in JAVA_URL_PROTOCOLS or " " in url:
        return None
    rest, _, ref = rest.partition("#") if "#" in rest else (rest, "", None)
    rest, _, query = rest.partition("?") if "?" in rest else (rest, "", None)
    authority, path = "", rest
    if rest.startswith("//"):
        authority, slash, tail = rest[2:].partition("/")
        path = slash + tail
    userinfo, _, hostport = authority.rpartition("@") if "@" in authority else (None, "", authority)
    host = hostport.rsplit(":", 1)[0] if ":" in hostport and not hostport.endswith("]") else hostport
    parts = {"PROTOCOL": scheme, "HOST": host, "PATH": path, "QUERY": query, "REF": ref, "AUTHORITY": authority,
             "USERINFO": userinfo, "FILE": path + (f"?{query}" if query is not None else "")}
    return parts.get(part.upper())


def flink_parse_url_query(url: str, part: str, key: str) -> str | None:
    query = flink_parse_url(url, part) if part.upper() == "QUERY" else None
    match = re.search(f"(&|^){re.escape(key)}=([^&]*)", query) if query is not None else None
    return match.group(2) if match else None


def flink_url_encode(text: str) -> str:
    """Java's URLEncoder (UTF-8): letters, digits and . - * _ stay, space is +, the rest %XX."""
    return urllib.parse.quote_plus(text, safe="*").replace("~", "%7E")


def flink_url_decode(text: str) -> str | None:
    """Java's URLDecoder (UTF-8); Flink answers a malformed escape with NULL."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        return None
    try:
        return urllib.parse.unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        return None


def flink_json_unquote(text: str) -> str:
    """JSON_UNQUOTE: the value of a JSON string literal; any other text as it is."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, str) else text


def flink_initcap(text: str) -> str:
    """Flink's INITCAP: each run of ASCII letters and digits gets an upper first letter, the rest lower;
    other characters stay as they are and separate words (ÄÖÜ straße -> ÄÖÜ StraßE)."""
    return re.sub(r"[A-Za-z0-9]+", lambda m: m.group(0)[0].upper() + m.group(0)[1:].lower(), text)


def _vectorized(function, result_type, arity: int = 1):
    """A Python function of scalars as an Arrow UDF of fixed arity (DuckDB reads the signature): NULL in
    any argument gives NULL."""
    def call(*columns: pa.Array) -> pa.Array:
        rows = zip(*(c.to_pylist() for c in columns))
        return pa.array([None if None in row else function(*row) for row in rows], type=result_type)
    return _fixed_arity(call, arity)


def register_flink_helpers(con: duckdb.DuckDBPyConnection) -> None:
    for name, body in FLINK_MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMPORARY MACRO {name}{body}").fetchall()
    types = duckdb.sqltypes
    text, double, integer, bigint = types.VARCHAR, types.DOUBLE, types.INTEGER, types.BIGINT
    helpers = {  # name: (function, argument types, result type); NULL in, NULL out
        "__flink_double_to_string": (java_double_to_string, [double], text),
        "__flink_float_to_string": (java_float_to_string, [types.FLOAT], text),
        "__flink_initcap": (flink_initcap, [text], text),
        "__flink_upper": (str.upper, [text], text),
        "__flink_regexp_extract": (flink_regexp_extract, [text, text, integer], text),
        "__flink_regexp_replace": (flink_regexp_replace, [text, text, text], text),
        "__flink_regexp_count": (flink_regexp_count, [text, text], bigint),
        "__flink_regexp_instr": (flink_regexp_instr, [text, text], bigint),
        "__flink_json_text": (flink_json_text, [text], text),
        "__flink_json_unquote": (flink_json_unquote, [text], text),
        "__flink_hash": (flink_hash, [text, text], text),
        "__flink_chr": (flink_chr, [bigint], text),
        "__flink_parse_url": (flink_parse_url, [text, text], text),
        "__flink_parse_url_query": (flink_parse_url_query, [text, text, text], text),
        "__flink_url_encode": (flink_url_encode, [text], text),
        "__flink_url_decode": (flink_url_decode, [text], text),
    }
    arrow_types = {text: pa.string(), bigint: pa.int64()}
    for name, (function, arguments, result) in helpers.items():
        con.create_function(name, _vectorized(function, arrow_types[result], len(arguments)), arguments, result,
                            type="arrow", null_handling="special", side_effects=False)


def register_monitoring(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """STREAMSCORE_AUC and STREAMSCORE_PSI's DuckDB halves: the translation collects the group's values
    with list(); these compute from them as the Java aggregates do (streamscore.monitoring)."""
    types = duckdb.sqltypes
    pairs = duckdb.list_type(duckdb.struct_type({"s": types.DOUBLE, "l": types.BOOLEAN}))
    con.create_function("__streamscore_auc", monitoring.auc_of_pairs, [pairs], types.DOUBLE,
                        null_handling="special", side_effects=False)
    profiles = monitoring.DriftProfiles(root)
    con.create_function("__streamscore_psi", profiles.psi_of_values,
                        [duckdb.list_type(types.DOUBLE), types.VARCHAR, types.VARCHAR], types.DOUBLE,
                        null_handling="special", side_effects=False)


ARROW_OUTPUT_TYPES = {"DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(), "VARCHAR": pa.string()}


def register_model_function(con, name: str, model, outputs: tuple[str, ...], threshold: float) -> None:
    """A model as a DuckDB Arrow UDF: its score, or a STRUCT of the requested outputs."""
    types = {o: getattr(duckdb.sqltypes, OUTPUTS[o][1]) for o in outputs}

    def score_matrix(matrix):
        values = score_outputs(model, matrix, outputs, threshold)
        if len(outputs) == 1:
            return values[outputs[0]]
        return pa.StructArray.from_arrays([pa.array(values[o], type=ARROW_OUTPUT_TYPES[OUTPUTS[o][1]])
                                           for o in outputs], names=list(outputs))

    result = types[outputs[0]] if len(outputs) == 1 else duckdb.struct_type(types)
    con.create_function(name, _arrow_scorer(score_matrix, model.arity), [duckdb.sqltypes.DOUBLE] * model.arity,
                        result, type="arrow", null_handling="special", side_effects=False)


def _arrow_scorer(score_matrix, arity: int):
    """A fixed-arity Arrow UDF around ``score_matrix`` (DuckDB rejects ``*args`` functions).

    Columns are copied once, straight into the row-major matrix the scorer takes (NULL -> NaN)."""

    def call(*columns):
        matrix = np.empty((len(columns[0]), arity))
        for position, column in enumerate(columns):
            matrix[:, position] = column.to_numpy(zero_copy_only=False)
        scored = score_matrix(matrix)
        return scored if isinstance(scored, pa.Array) else pa.array(scored)

    return _fixed_arity(call, arity)


def _fixed_arity(call, arity: int):
    """``call(*columns)`` as a function of exactly ``arity`` parameters: DuckDB reads a UDF's signature and
    rejects ``*args``."""
    params = ", ".join(f"x{i}" for i in range(arity))
    namespace = {"call": call}
    exec(f"def fixed({params}):\n    return call({params})\n", namespace)  # noqa: S102 - built from an int
    return namespace["fixed"]
