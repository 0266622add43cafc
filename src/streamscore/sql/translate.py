"""Flink SQL -> DuckDB SQL, as small pure rewrites over sqlglot trees.

Each rewrite takes a node and returns it unchanged when it does not apply. Where DuckDB cannot mean
what Flink means, the translation raises :class:`TranslationError` at the statement, line and column;
it never emits a query that silently means something else.
"""

from __future__ import annotations

from typing import Callable

from sqlglot import exp

from streamscore.errors import TranslationError
from streamscore.sql.dialect import Descriptor, TableArgument, WindowTableFunction
from streamscore.sql.statements import Job, Statement

EPOCH = exp.cast(exp.Literal.string("1970-01-01 00:00:00"), exp.DType.TIMESTAMP)

# Flink functions whose DuckDB namesake means something else: node type -> rewrite.
FUNCTION_SEMANTICS: dict[type, Callable[[exp.Expr], exp.Expr]] = {
    # Flink: 1 = Sunday .. 7 = Saturday; DuckDB: 0 = Sunday .. 6 = Saturday.
    exp.DayOfWeek: lambda node: exp.paren(exp.Add(this=node, expression=exp.Literal.number(1)), copy=False),
}

# Constructs with no faithful DuckDB replay: node type -> (what, what to do).
UNTRANSLATABLE: dict[type, tuple[str, str]] = {
    exp.MatchRecognize: ("MATCH_RECOGNIZE cannot be replayed on DuckDB yet",
                         "replay this job with --engine flink"),
}
# Functions (by upper-case name) whose result depends on the wall clock, not on the data.
PROCESSING_TIME_FUNCTIONS = {"PROCTIME", "NOW", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_ROW_TIMESTAMP"}

SUPPORTED_WINDOWS = {"TUMBLE"}


class Translator:
    """Translates one job's queries; holds the job to resolve tables and views by name."""

    def __init__(self, job: Job):
        self.job = job

    def query(self, query: exp.Query, stmt: Statement) -> exp.Query:
        query = query.copy()
        self._refuse_untranslatable(query, stmt)
        query = query.transform(lambda node: self._window_table_function(node, stmt), copy=False)
        query = query.transform(lambda node: self._temporal_join(node, stmt), copy=False)
        query = query.transform(_function_semantics, copy=False)
        query = query.transform(_duckdb_types, copy=False)
        return query

    def expression(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        node = node.copy()
        self._refuse_untranslatable(node, stmt)
        return node.transform(_function_semantics, copy=False).transform(_duckdb_types, copy=False)

    def _refuse_untranslatable(self, tree: exp.Expr, stmt: Statement) -> None:
        for node in tree.walk():
            if type(node) in UNTRANSLATABLE:
                what, hint = UNTRANSLATABLE[type(node)]
                raise stmt.error(TranslationError, what, node, hint)
            name = node.name.upper() if isinstance(node, exp.Anonymous) else node.key.upper()
            if isinstance(node, (exp.Func, exp.CurrentTimestamp)) and name in PROCESSING_TIME_FUNCTIONS:
                raise stmt.error(TranslationError, f"{name}() is processing time: a replay cannot reproduce it",
                                 node, "use an event-time column instead")

    # -- window table functions -------------------------------------------------------------------
    def _window_table_function(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        if not isinstance(node, WindowTableFunction):
            return node
        if node.this not in SUPPORTED_WINDOWS:
            raise stmt.error(TranslationError, f"window TVF {node.this} cannot be replayed on DuckDB yet", node,
                             "use TUMBLE, or replay with --engine flink")
        args = _window_arguments(node, ("DATA", "TIMECOL", "SIZE", "OFFSET"), stmt)
        table, time_col, size = args.get("DATA"), args.get("TIMECOL"), args.get("SIZE")
        if not isinstance(table, TableArgument) or not isinstance(time_col, Descriptor) or size is None:
            raise stmt.error(TranslationError, "TUMBLE needs TABLE t, DESCRIPTOR(time column), size", node)
        origin = EPOCH.copy()
        if args.get("OFFSET") is not None:
            origin = exp.Add(this=origin, expression=args["OFFSET"].copy())
        ts = exp.column(time_col.expressions[0].name)
        start = exp.func("time_bucket", size.copy(), ts, origin)
        inner = exp.select("*", exp.alias_(start, "window_start")).from_(table.this.copy())
        end = exp.Add(this=exp.column("window_start"), expression=size.copy())
        window_time = exp.Sub(this=end.copy(), expression=exp.Interval(this=exp.Literal.string("1"),
                                                                         unit=exp.var("MILLISECOND")))
        outer = exp.select("*", exp.alias_(end, "window_end"), exp.alias_(window_time, "window_time")) \
            .from_(inner.subquery("w"))
        return outer.subquery(node.alias or table.this.name)

    # -- event-time temporal joins ----------------------------------------------------------------
    def _temporal_join(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        if not isinstance(node, exp.Join) or not isinstance(node.this, exp.Table) \
                or not isinstance(node.this.args.get("version"), exp.Version):
            return node
        table = node.this
        probe_time = table.args["version"].expression
        history, time_col = self._versions(table, stmt)
        alias = table.alias or table.name
        side = (node.side or "").upper()
        if side not in ("", "LEFT") or (node.kind or "").upper() not in ("", "INNER"):
            raise stmt.error(TranslationError, "temporal joins are INNER or LEFT in Flink", node)
        condition = node.args.get("on")
        if condition is None:
            raise stmt.error(TranslationError, "a temporal join needs ON with the key equality", node)
        for part in condition.flatten() if isinstance(condition, exp.And) else [condition]:
            if not isinstance(part, exp.EQ):
                raise stmt.error(TranslationError, f"temporal join condition `{part.sql()}` cannot be replayed "
                                 "yet: only key equalities", part, "move other predicates to WHERE")
        as_of = exp.GTE(this=probe_time.copy(), expression=exp.column(time_col, table=alias))
        join = exp.Join(this=history.subquery(alias), method="ASOF", side=side or None,
                        on=exp.and_(condition.copy(), as_of))
        return join

    def _versions(self, table: exp.Table, stmt: Statement) -> tuple[exp.Query, str]:
        """Every version of a versioned table or view, and its time column."""
        name = table.name
        if name in self.job.tables:
            source = self.job.tables[name]
            if not source.rowtime or not source.primary_key:
                raise stmt.error(TranslationError, f"`{name}` is not a versioned table: it needs a PRIMARY KEY and "
                                 "a WATERMARK", table)
            return exp.select("*").from_(name), source.rowtime
        if name in self.job.views:
            view = self.job.views[name]
            found = _versioned_view(view.query)
            if found:
                return self.query(found[0], view.statement), found[1]
            raise stmt.error(TranslationError, f"view `{name}` is not a versioned view", table,
                             "a versioned view keeps the last row per key: ROW_NUMBER() OVER (PARTITION BY key "
                             "ORDER BY time DESC) = 1")
        raise stmt.error(TranslationError, f"unknown table `{name}`", table)


def _window_arguments(node: WindowTableFunction, order: tuple[str, ...], stmt: Statement) -> dict[str, exp.Expr]:
    args = {}
    for position, arg in enumerate(node.expressions):
        if isinstance(arg, exp.Kwarg):
            args[arg.this.name.upper()] = arg.expression
        elif position < len(order):
            args[order[position]] = arg
        else:
            raise stmt.error(TranslationError, f"too many arguments for {node.this}", arg)
    return args


def _versioned_view(query: exp.Query) -> tuple[exp.Query, str] | None:
    """For Flink's versioned-view pattern, the view without its ``rownum = 1`` filter, and the time column.

    Pattern: ``SELECT ... FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY t DESC) AS rn FROM x)
    WHERE rn = 1``. Its changelog holds every row as a version, so an ASOF join over all rows replays it.
    """
    if not isinstance(query, exp.Select) or not isinstance(query.args.get("from_"), exp.From):
        return None
    inner = query.args["from_"].this
    where = query.args.get("where")
    if not isinstance(inner, exp.Subquery) or where is None or not isinstance(where.this, exp.EQ):
        return None
    rn_col, one = where.this.this, where.this.expression
    if not (isinstance(rn_col, exp.Column) and isinstance(one, exp.Literal) and one.name == "1"):
        return None
    for projection in inner.this.expressions:
        window = projection.this if isinstance(projection, exp.Alias) else None
        if projection.alias_or_name == rn_col.name and isinstance(window, exp.Window) \
                and isinstance(window.this, exp.RowNumber):
            order = window.args.get("order")
            if order and len(order.expressions) == 1 and order.expressions[0].args.get("desc"):
                history = query.copy()
                history.set("where", None)
                return history, order.expressions[0].this.name
    return None


def _function_semantics(node: exp.Expr) -> exp.Expr:
    rewrite = FUNCTION_SEMANTICS.get(type(node))
    return rewrite(node) if rewrite else node


def _duckdb_types(node: exp.Expr) -> exp.Expr:
    # DuckDB's TIMESTAMP takes no precision; Flink's TIMESTAMP(3) values are millisecond timestamps.
    if isinstance(node, exp.DataType) and node.this == exp.DType.TIMESTAMP and node.expressions:
        return exp.DataType.build("TIMESTAMP")
    return node


def duckdb_type(dtype: exp.DataType) -> str:
    return _duckdb_types(dtype.copy()).sql("duckdb")
