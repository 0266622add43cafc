"""The function-semantics corpus: Flink's built-in functions, the values Flink gives, the values a replay gives.

A corpus is a folder with ``tables.sql`` (the one-row table ``t`` the expressions may read), its input
``inputs/t.jsonl``, and one file per family (``strings.sql``, ``dates.sql``, ...) holding one Flink SQL
expression per line (``--`` comments). ``expected/<family>.jsonl`` holds Flink's value or error for each
expression, written by Flink itself (``streamscore test tests/functions --regenerate``).

Each expression is judged on its own, so one that DuckDB cannot reproduce hides none of the others:
- identical: the replay gives Flink's value (or both fail at run time);
- refused: the translation refuses it, with its place (never run, never silently different);
- different: the replay gives another value, or a value where Flink fails, or fails where Flink does not.
A faithful translation has no "different". Flink evaluates a family in a few batched queries (one
query per batch; a batch that fails is split until the failing expressions are alone).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from streamscore.errors import ConfigError, StreamscoreError
from streamscore.sql.statements import Job, Statement, parse_job

TABLES = "tables.sql"
EXPECTED = "expected"
BATCH = 60
FLOAT_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Expression:
    family: str
    line: int
    sql: str


@dataclass
class Outcome:
    expression: Expression
    verdict: str  # identical | refused | different
    detail: str = ""


@dataclass
class FamilySummary:
    family: str
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(o.verdict == verdict for o in self.outcomes)

    def line(self) -> str:
        return (f"{self.family:14} {len(self.outcomes):4} cases  {self.count('identical'):4} identical  "
                f"{self.count('refused'):3} refused  {self.count('different'):3} different")


def is_function_corpus(path: Path) -> bool:
    path = Path(path)
    return (path / TABLES).exists() and (path / "inputs").is_dir() and not any(path.rglob("job.sql")) \
        and any(p.name != TABLES for p in path.glob("*.sql"))


def families(corpus: Path) -> list[str]:
    return sorted(p.stem for p in Path(corpus).glob("*.sql") if p.name != TABLES)


def read_family(corpus: Path, family: str) -> list[Expression]:
    path = Path(corpus) / f"{family}.sql"
    if not path.exists():
        raise ConfigError(f"no family {family!r} in {corpus} (families: {', '.join(families(corpus))})")
    out = []
    for number, text in enumerate(path.read_text().splitlines(), 1):
        sql = text.strip()
        if sql and not sql.startswith("--"):
            out.append(Expression(family, number, sql))
    return out


def table_job(corpus: Path) -> Job:
    return parse_job(Path(corpus) / TABLES)


def table_inputs(corpus: Path, job: Job) -> dict[str, Path]:
    return {t.name: Path(corpus) / "inputs" / f"{t.name}.jsonl" for t in job.tables.values()}


def statement(corpus: Path, expression: Expression) -> Statement:
    """The expression as a query over ``t``, located at its line of the family file (errors point there)."""
    from streamscore.sql.statements import _parse

    text = f"SELECT {expression.sql} AS v FROM t"
    path = Path(corpus) / f"{expression.family}.sql"
    tree = _parse(text, path, expression.line, 1)  # a ParseError names the family file and line
    # The expression starts 7 characters into the query: columns are reported as in the family file.
    return Statement(path, expression.line, 1 - len("SELECT "), text, tree)


# -- values ------------------------------------------------------------------------------------------
def encode(value):
    """A result value as JSON, its type kept where JSON would lose it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"double": repr(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return {"timestamp": value.isoformat(sep=" ")}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": base64.b16encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {"map": sorted([encode(k), encode(v)] for k, v in value.items())}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return {"other": repr(value)}


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, dict) and "decimal" in value:
        return Decimal(value["decimal"])
    if isinstance(value, dict) and "double" in value:
        return float(value["double"])
    return None


def same_value(expected, actual) -> bool:
    a, b = _number(expected), _number(actual)
    if a is not None and b is not None:
        if isinstance(a, float) or isinstance(b, float):
            a, b = float(a), float(b)
            if math.isnan(a) or math.isnan(b):
                return math.isnan(a) and math.isnan(b)
            if math.isinf(a) or math.isinf(b):
                return a == b
            return abs(a - b) <= FLOAT_TOLERANCE * max(1.0, abs(a), abs(b))
        return a == b
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same_value(x, y) for x, y in zip(expected, actual))
    return expected == actual


def show(value) -> str:
    return "NULL" if value is None else json.dumps(value)


# -- the replay's side ---------------------------------------------------------------------------------
class DuckDBSide:
    """Every expression translated on its own and run over ``t`` in one DuckDB connection."""

    def __init__(self, project, corpus: Path):
        from streamscore.engines.duckdb import DuckDBEngine
        from streamscore.sql.translate import Translator

        self.corpus = Path(corpus)
        self.job = table_job(corpus)
        self.translator = Translator(self.job)
        engine = DuckDBEngine(project)
        self.con = engine.connect(self.job, {}, models=False, translator=self.translator)
        for table, path in table_inputs(corpus, self.job).items():  # read by no job, so not a "source"
            self.con.execute(engine._source_sql(self.job.tables[table], path, self.translator))

    def evaluate(self, expression: Expression) -> tuple[str, object]:
        """("value", v) | ("refused", message) | ("error", message)."""
        try:
            stmt = statement(self.corpus, expression)
            query = self.translator.query(stmt.tree, stmt)
        except StreamscoreError as error:  # a TranslationError, or a parse error with its place
            return "refused", str(error)
        try:
            cursor = self.con.execute(query.sql("duckdb"))
            value = cursor.fetchone()[0]
        except Exception as error:  # noqa: BLE001 - DuckDB's run-time error is the outcome
            return "error", f"{type(error).__name__}: {error}".splitlines()[0]
        if isinstance(value, float) and str(cursor.description[0][1]) == "FLOAT":
            import numpy as np

            value = float(str(np.float32(value)))  # a FLOAT as Flink hands it over: its shortest digits
        return "value", encode(value)

    def close(self) -> None:
        self.con.close()


def judge(expression: Expression, expected: dict, side: DuckDBSide) -> Outcome:
    kind, got = side.evaluate(expression)
    if kind == "refused":
        return Outcome(expression, "refused", got)
    if "error" in expected:
        if kind == "error":
            return Outcome(expression, "identical", "both fail")
        return Outcome(expression, "different", f"Flink fails ({expected['error']}), the replay gives {show(got)}")
    if kind == "error":
        return Outcome(expression, "different", f"Flink gives {show(expected['value'])}, the replay fails: {got}")
    if same_value(expected["value"], got):
        return Outcome(expression, "identical")
    return Outcome(expression, "different", f"Flink gives {show(expected['value'])}, the replay {show(got)}")


def expected_for(corpus: Path, family: str) -> dict[str, dict]:
    path = Path(corpus) / EXPECTED / f"{family}.jsonl"
    if not path.exists():
        raise ConfigError(f"{path} is missing: write it from Flink with `streamscore test {corpus} --regenerate`")
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {r["sql"]: r for r in records}


def check_family(project, corpus: Path, family: str, side: DuckDBSide | None = None) -> FamilySummary:
    """Every expression of the family on DuckDB against Flink's recorded outcome."""
    own = side is None
    side = side or DuckDBSide(project, corpus)
    try:
        expected = expected_for(corpus, family)
        summary = FamilySummary(family)
        for expression in read_family(corpus, family):
            if expression.sql not in expected:
                raise ConfigError(f"{corpus / family}.sql:{expression.line}: no Flink value recorded for "
                                  f"`{expression.sql}`: run `streamscore test {corpus} --regenerate`")
            summary.outcomes.append(judge(expression, expected[expression.sql], side))
        return summary
    finally:
        if own:
            side.close()


# -- Flink's side --------------------------------------------------------------------------------------
class FlinkSide:
    """Expressions evaluated by Flink (batch mode) over ``t``, a batch per query."""

    def __init__(self, flink_engine, corpus: Path):
        from streamscore.engines.flink import with_options

        self.engine = flink_engine
        self.t_env = flink_engine._environment("batch")
        job = table_job(corpus)
        inputs = table_inputs(corpus, job)
        self.database = flink_engine.fresh_database(self.t_env)
        for table in job.tables.values():
            options = {"connector": "filesystem", "path": str(inputs[table.name].resolve()), "format": "json",
                       "json.timestamp-format.standard": "SQL"}
            flink_engine._execute(self.t_env, with_options(table, options, replay=True), table.statement)

    def evaluate(self, expressions: list[Expression]) -> list[dict]:
        """For each expression, {"value": encoded} or {"error": message}."""
        if not expressions:
            return []
        try:
            columns, readers = self._collectable([e.sql for e in expressions])
            sql = f"SELECT {', '.join(f'{c} AS c{i}' for i, c in enumerate(columns))} FROM {self.database}.t"
            result = self.engine._planned(self.t_env, lambda: self.t_env.execute_sql(sql))
            with result.collect() as rows:
                row = next(iter(rows))
            return [{"value": encode(read(row[i]))} for i, read in enumerate(readers)]
        except Exception as error:  # noqa: BLE001 - split the batch to find who fails
            failure = error
        if len(expressions) == 1:
            from streamscore.engines.flink import _java_message

            message = re.sub(r" at 0x[0-9a-f]+", "", _java_message(failure).splitlines()[0])  # no addresses
            return [{"error": message[:300]}]
        # Split outside the handler: a failure raised in it would carry this one as its context, and its
        # message would be read from this one's causes.
        half = len(expressions) // 2
        return self.evaluate(expressions[:half]) + self.evaluate(expressions[half:])

    def _collectable(self, sqls: list[str]) -> tuple[list[str], list]:
        """Columns PyFlink collects faithfully, and how to read each back. PyFlink cannot collect
        TIMESTAMP_LTZ values and collects timestamps with milliseconds only: those columns are read as
        Flink's own text (TIMESTAMP_LTZ in the session's time zone, UTC, as the replay's are compared)."""
        sql = f"SELECT {', '.join(f'{c} AS c{i}' for i, c in enumerate(sqls))} FROM {self.database}.t"
        table = self.engine._planned(self.t_env, lambda: self.t_env.sql_query(sql))
        # Flink's own type names: PyFlink's Python types report every TIMESTAMP(p) as TIMESTAMP(3).
        java_types = [str(t.toString()) for t in table._j_table.getResolvedSchema().getColumnDataTypes()]
        columns, readers = [], []
        for c, name in zip(sqls, java_types):
            precision = re.match(r"TIMESTAMP(?:_LTZ)?\((\d+)\)", name)
            as_text = name.startswith("TIMESTAMP_LTZ") or (precision is not None and int(precision.group(1)) > 3)
            columns.append(f"CAST({c} AS STRING)" if as_text else c)
            readers.append(_timestamp_from_text if as_text else _python)
        return columns, readers

    def family(self, corpus: Path, family: str, failing: set[str] = frozenset()) -> list[dict]:
        """Every expression's outcome, in batches. ``failing``: expressions known to fail in Flink (its record),
        each evaluated on its own: in a batch, each would cost a bisection (about a dozen queries)."""
        expressions = read_family(corpus, family)
        alone = [e for e in expressions if e.sql in failing]
        batched = [e for e in expressions if e.sql not in failing]
        outcomes = {}
        for start in range(0, len(batched), BATCH):
            batch = batched[start:start + BATCH]
            outcomes.update((e.sql, r) for e, r in zip(batch, self.evaluate(batch)))
        for expression in alone:
            outcomes[expression.sql] = self.evaluate([expression])[0]
        return [{"sql": e.sql, **outcomes[e.sql]} for e in expressions]


def check_flink_family(side: FlinkSide, corpus: Path, family: str) -> FamilySummary:
    """Flink now against Flink's recorded outcomes: the expected values are still Flink's."""
    expected = expected_for(corpus, family)
    expressions = {e.sql: e for e in read_family(corpus, family)}
    summary = FamilySummary(family)
    failing = {sql for sql, recorded in expected.items() if "error" in recorded}
    for record in side.family(corpus, family, failing):
        expression = expressions[record["sql"]]
        recorded = expected.get(record["sql"])
        if recorded is None:
            summary.outcomes.append(Outcome(expression, "different", "no value recorded: regenerate"))
        elif ("error" in recorded) != ("error" in record) or \
                ("value" in record and not same_value(recorded["value"], record["value"])):
            summary.outcomes.append(Outcome(expression, "different", f"recorded {recorded}, Flink now {record}"))
        else:
            summary.outcomes.append(Outcome(expression, "identical"))
    return summary


def _timestamp_from_text(text: str | None) -> dt.datetime | None:
    """Flink's timestamp text (any number of fraction digits) as a datetime, to the microsecond."""
    if text is None:
        return None
    whole, _, fraction = text.partition(".")
    return dt.datetime.fromisoformat(whole).replace(microsecond=int((fraction + "000000")[:6]))


def _python(value):
    """PyFlink's Row/collections as plain Python values."""
    from pyflink.common import Row

    if isinstance(value, Row):
        return [_python(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [_python(v) for v in value]
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    return value


def regenerate(flink_engine, corpus: Path, family: str) -> list[dict]:
    """Write expected/<family>.jsonl from Flink."""
    records = FlinkSide(flink_engine, corpus).family(corpus, family)
    path = Path(corpus) / EXPECTED / f"{family}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    path.with_suffix(".fingerprint").write_text(family_fingerprint(corpus, family) + "\n")
    return records


def family_fingerprint(corpus: Path, family: str) -> str:
    """Of what Flink's record of a family depends on: its expressions, the table and its inputs."""
    from streamscore.cases import file_parts, fingerprint

    job = table_job(corpus)
    files = [Path(corpus) / f"{family}.sql", Path(corpus) / TABLES,
             *(Path(p) for _, p in sorted(table_inputs(corpus, job).items()))]
    return fingerprint(file_parts(files))


def recorded_fingerprint(corpus: Path, family: str) -> str | None:
    path = Path(corpus) / EXPECTED / f"{family}.fingerprint"
    return path.read_text().strip() if path.exists() else None
