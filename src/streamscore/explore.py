"""Exploration: a DuckDB connection (and prompt) where a job's sources read the replay files, its views
exist and its model functions are callable, the same SQL the replay runs.

    con = streamscore.connect("sql/jobs/flight_delays.sql")
    con.sql("SELECT origin, avg(delay_risk(...)) FROM flight_features GROUP BY origin").df()
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from streamscore.errors import StreamscoreError
from streamscore.project import Project
from streamscore.sql.statements import Job

HELP = """\
SQL ends with ';' (DuckDB's dialect; the job's views are already translated). Helpers:
  .tables          source tables and views
  .schema NAME     columns and types of a table or view
  .models          model functions and their features
  .help            this text
  .quit            leave (or Ctrl-D)"""


def explore_target(project: Project, job: str | Path | None = None) -> tuple[Job, list | None]:
    """What to explore: a job (its sources, views and model functions), or, without one (no job named and
    not exactly one in sql/jobs, or a file of DDL only), every table of sql/*.sql and that file. Returns
    the job and, in the second case, the tables to load (those bound to a file)."""
    if job is None:
        jobs = sorted((project.root / "sql" / "jobs").glob("*.sql"))
        if len(jobs) == 1:
            return project.job(jobs[0]), None
    else:
        parsed = project.job(job)
        if parsed.inserts or parsed.views:
            return parsed, None
    extra = [project.root / job if not Path(job).is_absolute() and (project.root / job).exists() else Path(job)] \
        if job is not None else []
    tables_job = project.tables_job(extra)
    return tables_job, list(tables_job.tables.values())


def open_tables(project: Project, job: str | Path | None, given: dict[str, Path], use_cache: bool = True,
                memory_limit: str | None = None, kafka_profile: str = "local", clock: str | None = None):
    """(connection, job, inputs, tables listed) for explore and connect(): the job's sources (or, without a
    job, the tables of sql/*.sql) and every other table of the project that has an input (labels,
    reference tables), each read from its input (decoded once: streamscore.history)."""
    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.replay import resolve_inputs
    from streamscore.sql.clock import with_clock
    from streamscore.sql.translate import Translator

    parsed, tables = explore_target(project, job)
    parsed = with_clock(parsed, project.replay_clock(clock))  # --clock, else replay.toml's
    extra, extra_translator = [], None
    if tables is None:
        try:
            project_tables = project.tables_job()
        except StreamscoreError:  # no sql/*.sql: the job's own tables only
            project_tables = None
        if project_tables is not None:
            taken = {t.name for t in parsed.sources} | set(parsed.views)
            extra = [t for t in project_tables.tables.values() if t.name not in taken]
            extra_translator = Translator(project_tables)
    files = resolve_inputs(project, parsed, given, tables, optional=extra, kafka_profile=kafka_profile,
                           log=lambda m: print(m, file=sys.stderr))
    engine = DuckDBEngine(project, use_cache=use_cache, memory_limit=memory_limit)
    if tables is not None:
        con = engine.connect(parsed, files, sources=[t for t in tables if t.name in files])
    else:
        extra = [t for t in extra if t.name in files]
        con = engine.connect(parsed, files, extra=extra, extra_translator=extra_translator)
        tables = [*parsed.sources, *extra]
    counts: dict[str, int] = {}
    for letter in engine.dead_letters:
        counts[letter.table] = counts.get(letter.table, 0) + 1
    for table, count in counts.items():  # as a replay reports them: the rows here are the good records only
        print(f"{table}: {count:,} records are not rows (as `run` would dead-letter them); left out", file=sys.stderr)
    return con, parsed, files, tables


def connect(job: str | Path | None = None, inputs: dict[str, str | Path] | None = None,
            project: str | Path | None = None, use_cache: bool = True,
            memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection over a job: sources read their inputs (``inputs``, else connectors/replay.toml:
    files, globs, folders, compressed files or ``kafka``), the project's other tables with an input too,
    the job's views exist, model functions are callable. Decoded inputs are cached (``use_cache``)."""
    found = Project.find(project or Path.cwd())
    con, *_ = open_tables(found, job, {k: Path(v) for k, v in (inputs or {}).items()}, use_cache, memory_limit)
    return con


class Explorer:
    """The prompt's commands over one connection (kept apart from input/output so tests can drive it)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, job: Job, inputs: dict[str, Path] | None = None,
                 tables: list | None = None):
        self.con, self.job, self.inputs = con, job, inputs or {}
        self.sources = tables if tables is not None else job.sources

    def tables(self) -> str:
        rows = [(t.name, "source" if t.name in self.inputs else "table", str(self.inputs.get(t.name, "(no file)")))
                for t in self.sources]
        rows += [(name, "view", "") for name in self.job.views]
        width = max((len(r[0]) for r in rows), default=4)
        return "\n".join(f"{name:<{width}}  {kind:<6}  {note}".rstrip() for name, kind, note in rows)

    def schema(self, name: str) -> str:
        if not name:
            return "usage: .schema NAME"
        try:
            described = self.con.sql(f'DESCRIBE "{name}"').fetchall()
        except duckdb.Error as error:
            return f"error: {str(error).splitlines()[0]}"
        width = max(len(r[0]) for r in described)
        return "\n".join(f"{column:<{width}}  {kind}" for column, kind, *_ in described)

    def models(self) -> str:
        from streamscore.models.checks import function_object, resolve_model
        from streamscore.models.scorer import function_spec

        lines = []
        for function in self.job.functions.values():
            ref, outputs, _ = function_spec(function_object(function))
            model = resolve_model(function)
            features = ", ".join(f"{f['name']} {f['type']}" for f in model.metadata.features)
            lines.append(f"{function.name}({features}) -> {', '.join(outputs)}  [{ref.path.name}, "
                         f"version {model.metadata.version}]")
        for model in self.job.models.values():
            lines.append(f"{model.name}: CREATE MODEL, path {model.options.get('path')}")
        return "\n".join(lines) or "no model functions in this job"

    def run(self, text: str) -> str:
        """One command or SQL statement -> what to print."""
        text = text.strip().rstrip(";").strip()
        if not text:
            return ""
        if text.startswith("."):
            command, _, argument = text.partition(" ")
            helpers = {".tables": self.tables, ".models": self.models, ".help": lambda: HELP,
                       ".schema": lambda: self.schema(argument.strip())}
            if command not in helpers:
                return f"unknown command {command} (.help lists them)"
            return helpers[command]()
        try:
            relation = self.con.sql(text)
        except duckdb.Error as error:
            return f"error: {str(error).strip()}"
        if relation is None:
            return "ok"
        return str(relation).rstrip()


def statements(text: str) -> list[str]:
    """Split a script into commands: dot-commands are one line each, SQL ends with ';'."""
    out, current = [], []
    for line in text.splitlines():
        if not current and line.strip().startswith("."):
            out.append(line.strip())
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            out.append("\n".join(current))
            current = []
    if "".join(current).strip():
        out.append("\n".join(current))
    return out


def prompt(explorer: Explorer, stdin=sys.stdin, stdout=sys.stdout) -> None:
    """Read commands until .quit or end of input; SQL may span lines until ';'."""
    interactive = stdin.isatty()
    if interactive:
        print(f"streamscore explore: {explorer.job.name} on DuckDB. .help for help", file=stdout)
    buffer: list[str] = []
    while True:
        if interactive:
            stdout.write("   ...> " if buffer else "streamscore> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        if not buffer and line.strip() in (".quit", ".exit"):
            break
        if not buffer and line.strip().startswith("."):
            print(explorer.run(line), file=stdout)
            continue
        buffer.append(line.rstrip("\n"))
        if line.rstrip().endswith(";"):
            try:
                print(explorer.run("\n".join(buffer)), file=stdout)
            except StreamscoreError as error:
                print(f"error: {error}", file=stdout)
            buffer = []
