"""Flink SQL -> DuckDB SQL, as small pure rewrites over sqlglot trees.

The pipeline for one query (each step returns nodes unchanged when it does not apply):

1. refuse what cannot replay faithfully (processing time, OVERLAPS, ...), with its place; MATCH_RECOGNIZE
   becomes a table the engine fills (``MatchRelation``, streamscore.sql.match);
2. structural rewrites: filters move before session windows where Flink's plan runs them there, then
   window TVFs, legacy group windows and temporal joins become plain SQL;
3. Flink functions (``FUNCTIONS``, DuckDB templates with Flink's meaning, result types spelled out);
4. qualify and annotate types against the job's tables and views (names case-sensitive, as in Flink);
5. typed rewrites (``TYPED_REWRITES``): integer division and overflow, AVG of integers, casts, timestamp
   precision, date arithmetic; then arrival-order ties.

Rules are data where they can be: ``FUNCTIONS`` (functions.py) maps a Flink function to a DuckDB
template, ``TYPED_REWRITES`` (typed.py) a node type to its typed rule, ``WINDOW_TEMPLATES`` spell out
windows. ``TRANSLATED_NODES`` and ``FUNCTIONS`` (functions.py) are the allow-list: any other function is refused.
"""

from __future__ import annotations

import datetime
import math
import zoneinfo
from dataclasses import dataclass
from typing import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from streamscore import late
from streamscore.changelog import changelog_format
from streamscore.errors import TranslationError
from streamscore.sql.clock import CLOCK_OPTION, clock_function
from streamscore.sql.dialect import (CaseSensitiveDuckDB, Descriptor, Flink, TableArgument, WindowTableFunction,
                                     interval_milliseconds)
from streamscore.sql.functions import (FUNCTIONS, PROCESSING_TIME_FUNCTIONS, TRANSLATED_NODES, duckdb_tree,
                                       expand_template, node_semantics)
from streamscore.sql.match import MATCH_COLUMNS, MATCH_ROWTIME, MatchSpec, measure_query, read_spec
from streamscore.sql.nested import (ARRIVAL_AGGREGATE, FLINK_ARRAY_AGG, NESTED_FUNCTIONS, NESTED_NODES,
                                   NOT_NULL_ACCESS, NOT_NULL_HINT, TYPED_FUNCTIONS, nested_rewrite, nested_typed,
                                   refuse_not_null_access)
from streamscore.sql.rewrites import inline_ml_predict
from streamscore.sql.statements import Job, Statement, TableDef
from streamscore.sql.typed import (ARRIVAL_ORDER, duckdb_types, schema_type, timestamp_literal, type_name,
                                   typed_rewrite)

# -- refusals --------------------------------------------------------------------------------------
UNTRANSLATABLE: dict[type, tuple[str, str]] = {
    exp.Overlaps: ("OVERLAPS cannot be replayed on DuckDB yet", "compare the periods' ends instead"),
}


# Flink's query hints (``SELECT /*+ ... */``): how planning them changes the rows a replay of bounded history
# gives. Join strategies and lookup options change how, not what; a state TTL counts processing time, which a
# replay of history does not let pass (noted, in case the history spans more than the TTL in real time).
QUERY_HINTS = {
    "BROADCAST": None, "SHUFFLE_HASH": None, "SHUFFLE_MERGE": None, "NEST_LOOP": None, "LOOKUP": None,
    "STATE_TTL": "the STATE_TTL hint expires state after processing time, which a replay does not let pass: "
                 "rows Flink would have forgotten in production (state idle longer than its TTL) are kept",
}

# -- windows -----------------------------------------------------------------------------------------
EPOCH = "TIMESTAMP '1970-01-01 00:00:00'"
# {src}: the input relation, {ts}: its time column, {local}: its local wall-clock (a TIMESTAMP_LTZ in the
# session time zone, as Flink assigns windows, sessions too; a TIMESTAMP as it is), {size}/{slide}/{step}/
# {gap}: intervals, {origin}: the epoch plus the offset, {keys}: PARTITION BY list ('' for none),
# {window_time}: ``WINDOW_TIMES`` in the time column's type. window_start and window_end are local
# TIMESTAMPs, as in Flink.
WINDOW_TIME = "{window_time} AS window_time"
WINDOW_TEMPLATES = {
    "TUMBLE": "SELECT *, " + WINDOW_TIME + " FROM (SELECT *, window_start + {size} AS window_end FROM (SELECT *, "
              "time_bucket({size}, {local}, {origin}) AS window_start FROM {src}))",
    "HOP": "SELECT *, " + WINDOW_TIME + " FROM (SELECT *, window_start + {size} AS window_end FROM (SELECT *, "
           "unnest(generate_series(time_bucket({slide}, {local}, {origin}) - {size} + {slide}, "
           "time_bucket({slide}, {local}, {origin}), {slide})) AS window_start FROM {src}))",
    "CUMULATE": "SELECT *, " + WINDOW_TIME + " FROM (SELECT *, "
                "unnest(generate_series(time_bucket({step}, {local}, {origin}) + {step}, window_start + {size}, "
                "{step})) AS window_end FROM (SELECT *, time_bucket({size}, {local}, {origin}) AS window_start "
                "FROM {src}))",
    # Rows of one key closer than the gap share a session (touching sessions merge, as in Flink).
    "SESSION": "SELECT * EXCLUDE (__new_session, __session), min({local}) OVER (PARTITION BY {keys_comma}__session) "
               "AS window_start, max({local}) OVER (PARTITION BY {keys_comma}__session) + {gap} AS window_end, "
               + WINDOW_TIME + " FROM (SELECT *, sum(__new_session) OVER ({partition} ORDER BY {local} ROWS "
               "UNBOUNDED PRECEDING) AS __session FROM (SELECT *, CASE WHEN {local} - lag({local}) OVER ({partition} "
               "ORDER BY {local}) <= {gap} THEN 0 ELSE 1 END AS __new_session FROM {src}))",
}
# A window's last millisecond (local), and how it becomes a value of the time column's type: a TIMESTAMP_LTZ
# is the local time's instant (as Flink converts it), a TIMESTAMP is itself; of a type not known here, the
# time column plus the interval (exact but across a change of the zone's offset).
WINDOW_TIMES = {
    "TUMBLE": "window_end - INTERVAL 1 MILLISECOND",
    "HOP": "window_end - INTERVAL 1 MILLISECOND",
    "CUMULATE": "window_end - INTERVAL 1 MILLISECOND",
    "SESSION": "max({local}) OVER (PARTITION BY {keys_comma}__session) + {gap} - INTERVAL 1 MILLISECOND",
}
TIME_OF = {True: "CAST({last} AS TIMESTAMPTZ)", False: "{last}", None: "{ts} + ({last} - {local})"}
WINDOW_ARGUMENTS = {
    "TUMBLE": ("DATA", "TIMECOL", "SIZE", "OFFSET"),
    "HOP": ("DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"),
    "CUMULATE": ("DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"),
    "SESSION": ("DATA", "TIMECOL", "GAP"),
}
# Legacy GROUP BY windows: the window function, and what its auxiliary functions read.
GROUP_WINDOWS = {"TUMBLE": ("SIZE",), "HOP": ("SLIDE", "SIZE"), "SESSION": ("GAP",)}
GROUP_WINDOW_PROPERTIES = {"START": "window_start", "END": "window_end", "ROWTIME": "window_time"}
# The columns a window TVF adds to its input's.
WINDOW_COLUMNS = frozenset({"window_start", "window_end", "window_time"})
# Window TVFs whose windows depend on which rows there are (a session spans its rows): a filter between
# such a TVF and its window aggregate runs before windowing in Flink's plan (``filter_before_window``).
# (Other windows give the same rows either way.)
FILTER_BEFORE_WINDOW = frozenset({"SESSION"})
# Window TVFs whose windows align to the clock, and the intervals that set their slices. Over a
# TIMESTAMP_LTZ time attribute Flink aligns them in the session time zone, but its window operators were
# seen to drop in-order rows (whole windows) when a zone without daylight saving time has a UTC offset that
# is not a multiple of the slice (Asia/Kolkata, +05:30, with hourly or daily windows; legacy GROUP BY
# windows are right there): such windows are refused (``_check_local_alignment``).
ALIGNED_WINDOWS = {"TUMBLE": ("SIZE",), "HOP": ("SLIDE", "SIZE"), "CUMULATE": ("STEP", "SIZE")}


SOURCE_PLACEHOLDER = "__window_source__"


def window_relation(kind: str, source: exp.Expr, time_column: str, intervals: dict[str, exp.Expr],
                    keys: list[str], alias: str, ltz: bool | None = None) -> exp.Subquery:
    """The window TVF ``kind`` over ``source`` (a table or subquery node) as a DuckDB subquery; ``ltz``: whether
    the time column is a TIMESTAMP_LTZ (None: not known)."""
    tree = sqlglot.parse_one(window_sql(kind, SOURCE_PLACEHOLDER, time_column, intervals, keys, ltz), read="duckdb")
    for table in list(tree.find_all(exp.Table)):
        if table.name == SOURCE_PLACEHOLDER:
            table.replace(source.copy())
    return tree.subquery(alias)


def window_sql(kind: str, source: str, time_column: str, intervals: dict[str, exp.Expr], keys: list[str],
               ltz: bool | None = None) -> str:
    def interval(name):
        node = intervals[name]
        return f"({node.sql('duckdb')})"

    origin = EPOCH + (f" + {interval('OFFSET')}" if intervals.get("OFFSET") is not None else "")
    values = {name.lower(): interval(name) for name in intervals if intervals[name] is not None}
    quoted = [exp.to_identifier(k).sql("duckdb") for k in keys]
    ts = exp.to_identifier(time_column).sql("duckdb")
    values.update(ts=ts, local=f"CAST({ts} AS TIMESTAMP)", origin=origin, keys_comma="".join(f"{k}, " for k in quoted),
                  partition=f"PARTITION BY {', '.join(quoted)}" if quoted else "")
    last = WINDOW_TIMES[kind].format(**values)
    return WINDOW_TEMPLATES[kind].format(src=source, window_time=TIME_OF[ltz].format(last=last, **values), **values)


@dataclass
class MatchRelation:
    """A MATCH_RECOGNIZE the translation replaced by the table ``name`` (one row per matched row, see
    streamscore.sql.match): the engine fills it from ``input_sql`` (DuckDB) before running ``owner`` (the view
    whose query holds it; None: an INSERT's)."""

    name: str
    input_sql: str
    spec: MatchSpec
    arrival: bool  # the input is a source table read directly: ties in time keep file order (its rowid)
    owner: str | None
    statement: Statement


class Translator:
    """Translates one job's queries. Holds the job (to resolve tables and views) and a schema of
    every table and view, so typed rules know integer from double."""

    def __init__(self, job: Job, model_late: bool = True):
        """``model_late``: filter the rows Flink's operators drop as late (``streamscore.late``); off when a
        replay keeps every row (--keep-late)."""
        job.check_replayable()
        self.job = job
        self.model_late = model_late
        # Operators whose late rows the replay decides (by id), and which late-sensitive node each covers.
        self.late_operators: dict[str, late.LateOperator] = {}
        self.late_covered: dict[str, str] = {}
        self.notes: list[str] = []  # what a replay of this job should say of itself (query hints)
        self.views: dict[str, exp.Query] = {}
        self.matches: list[MatchRelation] = []
        self._owner: str | None = None
        # Computed columns are typed against the physical ones (Flink's computed columns read no other
        # computed column); then the schema is built afresh with them, as sqlglot caches table lookups
        # (a table updated in place would keep its physical columns for some lookups).
        tables = {t.name: {c.name: schema_type(c.type) for c in t.columns if c.in_replay_file}
                  for t in job.tables.values()}
        self.schema = _schema(tables)
        for table in job.tables.values():
            for column in table.columns:
                if column.computed is not None:
                    typed = self.expression(column.computed, table.statement, table.name).type
                    tables[table.name][column.name] = typed.sql("duckdb")
        for table in job.sources:  # the views late rules read (streamscore.late)
            if table.watermark:
                tables[late.watermarked_name(table.name)] = {**tables[table.name], late.ROW: "BIGINT",
                                                             late.WATERMARK: "BIGINT"}
        tables[late.DROPS_TABLE] = {"__operator": "VARCHAR", late.ROW: "BIGINT"}
        tables[late.SESSIONS_TABLE] = {"__operator": "VARCHAR", late.ROW: "BIGINT", late.SESSION: "BIGINT"}
        self.schema = _schema(tables)
        for view in job.views.values():
            self._owner = view.name
            translated = self.query(view.query, view.statement)
            self._owner = None
            self.views[view.name] = translated
            self.schema.add_table(view.name, {s.alias_or_name: type_name(s) for s in translated.selects},
                                  dialect=CaseSensitiveDuckDB)

    # -- entry points ----------------------------------------------------------------------------
    def query(self, query: exp.Query, stmt: Statement) -> exp.Query:
        query = query.copy()
        late.stamp(query, stmt, self.job)
        for join in query.find_all(exp.Join):
            self._late_interval_join(join)
        for node in query.find_all(exp.ArrayAgg):  # the job's own ARRAY_AGG, not a translation's list()
            node.meta[FLINK_ARRAY_AGG] = True
        self._query_hints(query, stmt)
        for node in reversed(list(query.find_all(exp.MatchRecognize))):  # inner ones first
            self._match_recognize(node, stmt)
        _refuse_untranslatable(query, stmt)
        _refuse_unknown_functions(query, stmt, {name.upper() for name in self.job.functions})
        self._refuse_not_null_access(query, stmt)
        self._refuse_timed_changelog(query, stmt)
        query = self._structural(query, stmt)
        query = bottom_up(query, lambda node: _node_rules(node, stmt))
        query = query.transform(timestamp_literal, copy=False)
        try:
            query = qualify(query, schema=self.schema, dialect=CaseSensitiveDuckDB, quote_identifiers=False,
                            validate_qualify_columns=False, identify=False)
        except OptimizeError as error:
            raise stmt.error(TranslationError, f"cannot resolve the query's columns: {error}", query) from None
        query = annotate_types(query, schema=self.schema, dialect=CaseSensitiveDuckDB)
        for table in query.find_all(exp.Table):  # typed rules may order by file order (rowid) only in these
            if table.name in self.job.tables and self.job.tables[table.name] in self.job.sources:
                table.meta[ARRIVAL_ORDER] = True
        try:
            query = bottom_up(query, lambda node: _nested_typed(typed_rewrite(node), stmt))
        except TranslationError as error:  # a typed rule's refusal, placed at its statement (translated
            if error.path is not None:     # nodes no longer carry their own positions reliably)
                raise
            raise stmt.error(TranslationError, error.message, hint=error.hint) from None
        query = query.transform(lambda node: self._arrival_order(node, stmt), copy=False)
        query = query.transform(duckdb_types, copy=False)
        self._late_over_and_sort(query, stmt)
        return query

    def _query_hints(self, query: exp.Query, stmt: Statement) -> None:
        """Query hints leave the replay's tree (Flink plans them); each known hint's effect on a replay noted."""
        for hint in list(query.find_all(exp.Hint)):
            for call in hint.expressions:
                name = call.name.upper() if isinstance(call, exp.Func) else call.sql().upper()
                if name not in QUERY_HINTS:
                    raise stmt.error(TranslationError, f"query hint {name} is not one of Flink's", call,
                                     "Flink's query hints: " + ", ".join(QUERY_HINTS))
                note = f"{stmt.path}:{stmt.line}: {QUERY_HINTS[name]}" if QUERY_HINTS[name] else None
                if note and note not in self.notes:
                    self.notes.append(note)
            hint.pop()

    def _match_recognize(self, node: exp.MatchRecognize, stmt: Statement) -> None:
        """Replace ``FROM input MATCH_RECOGNIZE (...)`` by the matches' rows (PARTITION BY columns, MEASURES)
        computed from a table the engine fills (``MatchRelation``)."""
        select = node.parent
        source = select.args["from_"].this if isinstance(select, exp.Select) and select.args.get("from_") else None
        if select.args.get("joins") or not isinstance(source, (exp.Table, exp.Subquery)) \
                or select.args.get("match") is not node:
            raise stmt.error(TranslationError, "MATCH_RECOGNIZE over a join or a table function is not replayed "
                             "yet", node, "match over a view of the join")
        spec = read_spec(node, stmt)
        arrival = False
        if isinstance(source, exp.Table):
            name = source.name
            if name not in self.job.tables and name not in self.job.views:
                raise stmt.error(TranslationError, f"unknown table `{name}`", source)
            columns = {c: self.schema.get_column_type(exp.to_table(name), exp.column(c)).sql("duckdb")
                       for c in self.schema.column_names(exp.to_table(name))}
            table = self.job.tables.get(name)
            arrival = table is not None and table in self.job.sources
            if table is not None and table.rowtime and spec.rowtime != table.rowtime:
                raise stmt.error(TranslationError, f"MATCH_RECOGNIZE must ORDER BY the event time `{table.rowtime}` "
                                 "first (as Flink requires)", node)
            input_sql = f"SELECT *{', rowid AS __arrival' if arrival else ''} FROM {exp.to_identifier(name).sql('duckdb')}"
            kept = late.kept_sql(node.meta.get(late.LATE_ID))
            if arrival and self._late_match(node, table, name, late.watermarked_name(name), spec):
                input_sql += f" WHERE rowid {kept}"
            elif table is None and self.model_late:  # a view filtering and projecting a source: in arrival order
                viewed, rows = self._view_rows(source, spec.rowtime, stmt)
                if viewed is not None and self._late_match(node, viewed, name, rows.sql("duckdb"), spec):
                    arrival = True
                    input_sql = (f"SELECT * EXCLUDE ({late.ROW}, {late.WATERMARK}), {late.ROW} AS __arrival "
                                 f"FROM {rows.sql('duckdb')} WHERE {late.ROW} {kept}")
        else:
            translated = self.query(source.this, stmt)
            columns = {s.alias_or_name: type_name(s) for s in translated.selects}
            input_sql = translated.sql("duckdb")
        for column in [*spec.partition_by, *(c for c, _ in spec.order_by)]:
            if column not in columns:
                raise stmt.error(TranslationError, f"MATCH_RECOGNIZE: `{column}` is not a column of its input", node)
        name = f"__match_{len(self.matches) + 1}"
        self.schema.add_table(name, {**columns, **MATCH_COLUMNS, MATCH_ROWTIME: columns[spec.rowtime]},
                              dialect=CaseSensitiveDuckDB)
        self.matches.append(MatchRelation(name, input_sql, spec, arrival, self._owner, stmt))
        select.set("match", None)
        source.replace(exp.Subquery(this=measure_query(spec, name, stmt),
                                    alias=exp.TableAlias(this=exp.to_identifier(spec.alias or name))))

    def _late_match(self, node: exp.MatchRecognize, table: TableDef, reads: str, rows_from: str,
                    spec: MatchSpec) -> bool:
        """MATCH_RECOGNIZE reading source ``table`` (``reads``: it or a view filtering it; ``rows_from``: their
        rows with place and arrival watermark): Flink's CEP operator drops a row at or behind the watermark
        it finds (the unbounded-OVER rule); True when the replay decides it so (``late.simulate``)."""
        node_id = node.meta.get(late.LATE_ID)
        if not self.model_late or node_id is None or not table.watermark or spec.rowtime != table.rowtime:
            return False
        rowtime = exp.to_identifier(table.rowtime).sql("duckdb")
        rows = f"SELECT {late.ROW}, epoch_ms({rowtime}) AS __ts, {late.WATERMARK} FROM {rows_from} ORDER BY {late.ROW}"
        self.late_operators[node_id] = late.LateOperator(node_id, "Match", table.name, reads, "unbounded", rows)
        self.late_covered[node_id] = node_id
        return True

    def _refuse_timed_changelog(self, query: exp.Query, stmt: Statement) -> None:
        """A changelog table with a WATERMARK replays as its versions, for temporal joins: read any other way,
        Flink's operators over time see when each change came, which the replay does not follow."""
        for table in query.find_all(exp.Table):
            source = self.job.tables.get(table.name)
            if source is not None and source.watermark and changelog_format(source) \
                    and not isinstance(table.args.get("version"), exp.Version) \
                    and not (isinstance(stmt.tree, exp.Create) and stmt.tree.kind == "TABLE"):  # its own columns
                raise stmt.error(TranslationError, f"`{table.name}` is a {changelog_format(source)} changelog with a "
                                 "WATERMARK: the replay reads it as a versioned table, in a join FOR SYSTEM_TIME AS "
                                 "OF; read otherwise, its event time over a changelog is not replayed yet", table,
                                 "`replay --engine flink` runs it; without the WATERMARK it replays as a changelog")

    def _refuse_not_null_access(self, query: exp.Query, stmt: Statement) -> None:
        tables = {t.name: {c.name: c.type for c in t.columns if c.type is not None} for t in self.job.tables.values()}
        node = refuse_not_null_access(query, tables)
        if node is None:
            return
        is_element = isinstance(node, exp.Anonymous)
        base = node.expressions[0] if is_element else node.this
        what = "ELEMENT" if is_element else "element access"
        raise stmt.error(TranslationError, NOT_NULL_ACCESS.format(what=what, column=base.sql("duckdb"),
                                                                  part="element type (or value type)"),
                         node, NOT_NULL_HINT)

    def expression(self, node: exp.Expr, stmt: Statement, table: str) -> exp.Expr:
        """A computed column's expression over ``table``'s physical columns."""
        select = self.query(exp.select(exp.alias_(node.copy(), "c")).from_(table), stmt)
        return select.selects[0].this if isinstance(select.selects[0], exp.Alias) else select.selects[0]

    def _arrival_order(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        """Flink breaks ties in a ROW_NUMBER or ROWS frame ordering, and orders LISTAGG (ARRAY_AGG, ...), by
        arrival. Over a source table read directly the replay sees arrival as file order (the table's rowid) and
        uses it; elsewhere it cannot: such an aggregate is refused, and a ranking or ROWS frame fails the replay
        when the data holds such a tie (and only then), naming it."""
        if (isinstance(node, exp.GroupConcat) or node.meta.get(ARRIVAL_AGGREGATE)) \
                and isinstance(node.this, exp.Order) and any(_is_rowid(o.this) for o in node.this.expressions):
            # LISTAGG (_listagg), ARRAY_AGG, JSON_ARRAYAGG, FIRST/LAST_VALUE (nested, typed)
            windowed = _arrival_window(node)
            if windowed is not None:  # a window aggregate over a source's rows: their place in it
                for ordered in node.this.expressions:
                    if _is_rowid(ordered.this):
                        ordered.set("this", exp.column(late.ROW, table=windowed.alias_or_name))
                return node
            if self._direct_source(node) is None:
                raise stmt.error(TranslationError, "LISTAGG, ARRAY_AGG and JSON_ARRAYAGG collect values in arrival "
                                 "order, which a replay knows only over a source table read directly", node,
                                 "aggregate the table itself")
            return node
        if not isinstance(node, exp.Window) or not node.args.get("order"):
            return node
        spec = node.args.get("spec")
        if not (isinstance(node.this, exp.RowNumber) or (spec is not None and str(spec.args.get("kind")).upper() == "ROWS")):
            return node
        order = node.args["order"]
        if any(isinstance(o.this, exp.Column) and o.this.name == late.ROW for o in order.expressions):
            return node  # ordered by arrival already (_rank_in_arrival_order)
        source = self._direct_source(node)
        if source is None:
            keys = [*(node.args.get("partition_by") or []), *(o.this for o in order.expressions)]
            ties = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[k.copy() for k in keys])
            message = exp.Literal.string(f"{stmt.path}:{stmt.line}: rows tie on the ordering of "
                                         f"{node.this.sql('duckdb')} OVER (...); Flink orders them by arrival, "
                                         "which this replay cannot see here (order by a unique column too)")
            tied = exp.GT(this=ties, expression=exp.Literal.number(1))
            kept = late.top_n_kept(node)
            if kept is not None and isinstance(node.this, exp.RowNumber):
                # A top-N keeps the first N: a tie whose rows all rank below N changes nothing kept.
                rank = exp.Window(this=exp.Rank(), partition_by=[k.copy() for k in node.args.get("partition_by") or []],
                                  order=order.copy())
                tied = exp.and_(tied, exp.LTE(this=rank, expression=exp.Literal.number(kept)))
            if isinstance(node.this, exp.Identifier):  # WINDOW w AS (...): its uses fail on a tie, not it
                select = node.find_ancestor(exp.Select)
                for use in [w for p in select.expressions for w in p.find_all(exp.Window)
                            if w.args.get("alias") is not None and w.args["alias"].name == node.this.name]:
                    use.replace(_failing_on(tied, message, use))
                return node
            return _failing_on(tied, message, node)
        # Deduplication on the event time keeps the last arrival for DESC (Flink's keep-last-row replaces on
        # equal times) and the first for ASC; any other ordering keeps equal rows in arrival order.
        first = order.expressions[0]
        on_rowtime = isinstance(first.this, exp.Column) and first.this.name == self.job.tables[source.name].rowtime
        order.append("expressions", exp.Ordered(this=exp.column("rowid", table=source.alias_or_name),
                                                desc=bool(first.args.get("desc")) and on_rowtime))
        return node

    def _direct_source(self, node: exp.Expr) -> exp.Table | None:
        """The source table the SELECT around ``node`` reads directly (no join), if it does."""
        select = node.find_ancestor(exp.Select)
        source = select.args["from_"].this if select is not None and select.args.get("from_") else None
        if not isinstance(source, exp.Table) or select.args.get("joins") or source.name not in self.job.tables \
                or self.job.tables[source.name] not in self.job.sources:
            return None
        return source

    # -- structural rewrites ---------------------------------------------------------------------------
    def _structural(self, query: exp.Query, stmt: Statement) -> exp.Query:
        query = inline_ml_predict(query, self.job, stmt)
        views = {name: view.query for name, view in self.job.views.items()}
        query = query.transform(lambda node: self._filter_before_window(node, views, stmt), copy=False)
        query = query.transform(lambda node: self._window_table_function(node, stmt), copy=False)
        query = query.transform(lambda node: self._group_window(node, stmt), copy=False)
        return query.transform(lambda node: self._temporal_join(node, stmt), copy=False)

    @staticmethod
    def _filter_before_window(node: exp.Expr, views: dict[str, exp.Query], stmt: Statement) -> exp.Expr:
        try:
            return filter_before_window(node, views)
        except ValueError as error:
            raise stmt.error(TranslationError, str(error), node, "filter the window's input in a view first") \
                from None

    def _window_table_function(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        if not isinstance(node, WindowTableFunction):
            return node
        if node.this not in WINDOW_TEMPLATES:
            raise stmt.error(TranslationError, f"window TVF {node.this} is not a Flink window function", node)
        args = _window_arguments(node, WINDOW_ARGUMENTS[node.this], stmt)
        table, time_col = args.pop("DATA", None), args.pop("TIMECOL", None)
        if not isinstance(table, TableArgument) or not isinstance(time_col, Descriptor):
            raise stmt.error(TranslationError, f"{node.this} needs TABLE t and DESCRIPTOR(time column)", node)
        time_column = time_col.expressions[0].name
        relation = table.this.this.args["from_"].this if isinstance(table.this, exp.Subquery) else table.this
        ltz = self._is_ltz(relation, time_column)
        if ltz:
            self._check_local_alignment(node, time_column, args, stmt)
        keys = [c.name for c in table.args.get("partition_by") or []]
        source = table.this if isinstance(table.this, exp.Subquery) else exp.to_table(table.this.name)
        alias = node.alias or table.this.alias_or_name
        consumer = _window_consumer(node)
        late_source = self._late_source(node, table.this, time_column) if consumer else None
        if late_source is not None:
            source = late_source[1]
        elif node.this == "SESSION" and consumer == "WindowAggregate":
            found = self._late_modeled(node) and self._watermarked_relation(table.this, time_column)
            if found:
                source, keys = self._late_session(node, found[0], found[1], _table_argument(node).this.name,
                                                  time_column, keys, args.get("GAP"), "WindowAggregate")
        relation = window_relation(node.this, source, time_column, args, keys, alias, ltz)
        return self._late_window(node, relation, alias, late_source, consumer)

    # -- late rows (streamscore.late) -------------------------------------------------------------------
    def _late_source(self, node: exp.Expr, relation: exp.Expr, time_column: str) -> tuple[TableDef, exp.Expr] | None:
        """For an aligned window (TUMBLE, HOP, CUMULATE) of ``node`` over ``relation`` on its time attribute,
        when the replay decides its late rows: the source and the relation to read instead, the source's rows
        with their place and arrival watermark (``late.watermarked``). None otherwise (late rows reaching
        the window are then refused: ``late.unmodeled``)."""
        kind = node.this if isinstance(node, WindowTableFunction) else node.name.upper()
        if not self.model_late or late.LATE_ID not in node.meta or kind not in ALIGNED_WINDOWS:
            return None
        return self._watermarked_relation(relation, time_column)

    def _late_modeled(self, node: exp.Expr) -> bool:
        return self.model_late and late.LATE_ID in node.meta

    def _late_session(self, node: exp.Expr, source: TableDef, watermarked: exp.Expr, reads: str, time_column: str,
                      keys: list[str], gap: exp.Expr | None, kind: str) -> tuple[exp.Expr, list[str]]:
        """The rows a session window builds its sessions from, and its keys: ``watermarked`` (rows with their place
        and arrival watermark) without those Flink's merging window operator drops, each with its session
        (decided on the data: ``late.sessions``) as one more key."""
        gap_ms = interval_milliseconds(gap)
        if gap_ms is None:
            return watermarked, keys
        op_id = node.meta[late.LATE_ID]
        quoted = [exp.to_identifier(k).sql("duckdb") for k in keys]
        rows = (f"SELECT {late.ROW}, " + "".join(f"{k} AS __k{i}, " for i, k in enumerate(quoted))
                + f"epoch_ms({exp.to_identifier(time_column).sql('duckdb')}) AS __ts, {late.WATERMARK} "
                f"FROM {watermarked.sql('duckdb')} ORDER BY {late.ROW}")
        self.late_operators[op_id] = late.LateOperator(op_id, kind, source.name, reads, "session", rows, gap_ms)
        self.late_covered[op_id] = op_id
        # The rows kept, each with its session (a key of the windowing: a session Flink fired and a later one
        # near it stay apart); a dropped row has none.
        kept = sqlglot.parse_one(f"SELECT __rows.* EXCLUDE ({late.ROW}, {late.WATERMARK}), __s.{late.SESSION} "
                                 f"FROM __rows JOIN {late.SESSIONS_TABLE} AS __s ON __s.{late.ROW} = __rows.{late.ROW} "
                                 f"AND __s.__operator = '{op_id}'", read="duckdb")
        rows_in = watermarked.copy()
        rows_in.set("alias", exp.TableAlias(this=exp.to_identifier("__rows")))
        kept.args["from_"].set("this", rows_in)
        return kept.subquery(watermarked.alias_or_name), [*keys, late.SESSION]

    def _watermarked_relation(self, relation: exp.Expr, time_column: str) -> tuple[TableDef, exp.Expr] | None:
        """A source table, or a view filtering and projecting one (through more such views) that keeps its
        time attribute as it is (Flink keeps the source's watermark through them, and its arrival order),
        with each row's place and arrival watermark; None for anything else."""
        if not isinstance(relation, exp.Table):
            return None
        alias = relation.alias_or_name
        table = self.job.tables.get(relation.name)
        if table is not None:
            if table not in self.job.sources or table.rowtime != time_column:
                return None
            return table, late.watermarked(table.name, alias)
        view = self.job.views.get(relation.name)
        query = view.query if view is not None else None
        if not _plain_projection(query) or query.args.get("joins") or not isinstance(query.args["from_"].this, exp.Table) \
                or not any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and p.name == time_column)
                           for p in query.expressions):
            return None
        inner = query.args["from_"].this
        found = self._watermarked_relation(inner, time_column)
        if found is None:
            return None
        query = query.copy()
        query.args["from_"].set("this", found[1])
        if not any(isinstance(p, exp.Star) for p in query.expressions):  # `*` has them already (twice: untyped)
            query.select(*(exp.column(c, table=inner.alias_or_name) for c in (late.ROW, late.WATERMARK)), copy=False)
        return found[0], query.subquery(alias)

    def watermarked_sql(self, table: TableDef) -> str:
        """The view of source ``table`` the late rules read (``late.watermarked_sql``)."""
        rowtime, expression = table.watermark
        return late.watermarked_sql(table.name, self.expression(expression, table.statement, table.name).sql("duckdb"))

    def _late_window(self, node: exp.Expr, relation: exp.Subquery, alias: str,
                     source: tuple[TableDef, exp.Expr] | None, kind: str | None) -> exp.Subquery:
        if source is None:
            return relation
        op_id = node.meta[late.LATE_ID]
        reads = _table_argument(node).this.name if isinstance(node, WindowTableFunction) \
            else node.find_ancestor(exp.Select).args["from_"].this.name
        if kind == "WindowJoin":
            join = _window_join(node.parent.parent)
            self.late_operators[op_id] = late.LateOperator(op_id, kind, source[0].name, reads, "window_join",
                                                          late.window_join_problems_sql(relation))
            self.late_covered[op_id] = self.late_covered[join.meta[late.LATE_ID]] = op_id
            return late.rows_of(relation, alias)
        self.late_operators[op_id] = late.LateOperator(op_id, kind, source[0].name, reads, "window",
                                                      late.window_drop_count_sql(relation))
        self.late_covered[op_id] = op_id
        # A TUMBLE aggregate may take its rows in arrival order (FIRST_VALUE, LISTAGG ...): they keep their place.
        # Not HOP or CUMULATE: Flink aggregates those by slices merged newest first ('4,5,2,1' for ids 1 to 5
        # arriving in order; the fuzzer found it).
        # So does any window's top-N or deduplication: Flink's window table function hands it each window's rows
        # in arrival order, and it keeps equal sort keys so (WindowRankOperatorBuilder: windows attached).
        window = node.this if isinstance(node, WindowTableFunction) else node.name.upper()
        arrival = (kind in ("WindowAggregate", "GroupWindowAggregate") and window == "TUMBLE") or kind == "WindowRank"
        relation = late.window_filter(relation, alias, keep_row=arrival)
        relation.meta[ARRIVAL_ROWS] = arrival
        if arrival and kind == "WindowRank":
            _rank_in_arrival_order(node.parent.parent, alias, source[0].rowtime)
        return relation

    def _late_over_and_sort(self, query: exp.Query, stmt: Statement) -> None:
        """OVER and keep-first deduplication over a source read directly or through views filtering and
        projecting it, and an INSERT's ORDER BY its source's time attribute (a temporal sort): filter the rows
        Flink's operator drops (decided on the data: ``late.simulate``)."""
        if not self.model_late:
            return
        for node in list(query.find_all(exp.Window, exp.Order)):
            node_id = node.meta.get(late.LATE_ID)
            if node_id is None or (isinstance(node, exp.Order) and not (
                    isinstance(node.parent, exp.Select) and node.parent is query
                    and isinstance(stmt.tree, exp.Insert))):
                continue
            select = node.find_ancestor(exp.Select)
            order = node.args["order"] if isinstance(node, exp.Window) else node
            first = order.expressions[0]
            if first.args.get("desc") or not isinstance(first.this, exp.Column):
                continue
            if late.LATE_ID in select.meta:  # one OVER operator per SELECT (Flink refuses differing windows)
                self.late_covered[node_id] = select.meta[late.LATE_ID]
                continue
            table = self._direct_source(node)
            if table is not None:
                source, rows_from = self.job.tables[table.name], late.watermarked(table.name, table.alias_or_name)
            else:  # a view filtering and projecting a source: its rows, translated, with their place
                table = select.args["from_"].this if select.args.get("from_") else None
                source, rows_from = self._view_rows(table, first.this.name, stmt) if not select.args.get("joins") \
                    else (None, None)
            if source is None or not source.watermark or first.this.name != source.rowtime:
                continue
            if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber):  # stamped: late.keeps_first
                frame, offset = "dedup", 0
            else:
                frame, offset = _over_frame(node) if isinstance(node, exp.Window) else ("sort", 0)
            if frame is None:
                continue
            alias = table.alias_or_name
            keys = (node.args.get("partition_by") or []) if isinstance(node, exp.Window) else []
            where = select.args.get("where")
            rows = (f"SELECT {alias}.{late.ROW} AS {late.ROW}, "
                    + "".join(f"{k.sql('duckdb')} AS __k{i}, " for i, k in enumerate(keys))
                    + f"epoch_ms({first.this.sql('duckdb')}) AS __ts, {alias}.{late.WATERMARK} AS {late.WATERMARK} "
                    f"FROM {rows_from.sql('duckdb')}"
                    + (f" WHERE {where.this.sql('duckdb')}" if where is not None else "")
                    + f" ORDER BY {late.ROW}")
            kind = {"dedup": "Deduplicate", "sort": "TemporalSort"}.get(frame, "OverAggregate")
            self.late_operators[node_id] = late.LateOperator(node_id, kind, source.name, table.name, frame, rows,
                                                             offset)
            self.late_covered[node_id] = node_id
            select.meta[late.LATE_ID] = node_id
            kept = late.kept_sql(node_id)
            if table.name == source.name:
                select.where(sqlglot.parse_one(f"{alias}.rowid {kept}", read="duckdb"), append=True, copy=False)
            else:  # the view's rows Flink's operator keeps
                table.replace(late.rows_of(rows_from, alias, f"{late.ROW} {kept}"))

    def _view_rows(self, table: exp.Expr | None, time_column: str, stmt: Statement) \
            -> tuple[TableDef | None, exp.Subquery | None]:
        """For a view filtering and projecting a source (``_watermarked_relation``): the source, and the view's
        rows translated, each with its place and arrival watermark (named as ``table``)."""
        if not isinstance(table, exp.Table) or table.name not in self.job.views:
            return None, None
        found = self._watermarked_relation(table, time_column)
        if found is None:
            return None, None
        return found[0], self.query(found[1].this, stmt).subquery(table.alias_or_name)

    def _is_ltz(self, relation: exp.Expr, column: str) -> bool | None:
        """Whether ``column`` of a table or view is a TIMESTAMP_LTZ (None: not known here)."""
        if not isinstance(relation, exp.Table):  # a subquery, before its columns are typed
            return None
        kind = self.schema.get_column_type(exp.to_table(relation.name), exp.column(column))  # UNKNOWN: a CTE
        if kind.is_type(exp.DType.TIMESTAMPTZ, exp.DType.TIMESTAMPLTZ):
            return True
        return False if kind.is_type(*exp.DataType.TEMPORAL_TYPES) else None

    def _check_local_alignment(self, node: WindowTableFunction, time_column: str, intervals: dict[str, exp.Expr],
                               stmt: Statement) -> None:
        """Refuses a clock-aligned window TVF over a TIMESTAMP_LTZ time attribute whose slices the session
        time zone's UTC offset does not divide, in a zone without daylight saving time (Flink's window
        operator handles zones with daylight saving time apart, and aligns those right)."""
        if node.this not in ALIGNED_WINDOWS:
            return
        zone = self.job.settings.get("table.local-time-zone", "UTC")
        offsets = _zone_offsets(zone)
        if offsets is not None and len(offsets) > 1:
            return
        slices = [interval_milliseconds(intervals.get(name)) for name in ALIGNED_WINDOWS[node.this]]
        if offsets is None or None in slices:
            raise stmt.error(TranslationError, f"{node.this} over the TIMESTAMP_LTZ column `{time_column}` in time "
                             f"zone {zone}: the replay cannot tell whether Flink's windows align there", node,
                             "use constant intervals and a time zone name, or a TIMESTAMP time attribute")
        step = math.gcd(*slices)
        if any(offset % step for offset in offsets):
            raise stmt.error(TranslationError, f"{node.this} over the TIMESTAMP_LTZ column `{time_column}` in time "
                             f"zone {zone}: Flink's window operator drops rows of windows whose slices the zone's "
                             "UTC offset does not divide, so a replay cannot reproduce its results", node,
                             "use windows the zone's offset divides (e.g. 15 or 30 minutes for +05:30), "
                             "a UTC session time zone, or a TIMESTAMP time attribute")

    def _group_window(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        """``GROUP BY k, TUMBLE(ts, size)`` with TUMBLE_START/END/ROWTIME -> a window TVF and its columns."""
        if not isinstance(node, exp.Select) or not node.args.get("group"):
            return node
        group = node.args["group"]
        windows = [g for g in group.expressions if isinstance(g, exp.Anonymous) and g.name.upper() in GROUP_WINDOWS]
        if not windows:
            return node
        if len(windows) > 1:
            raise stmt.error(TranslationError, "only one group window per GROUP BY", windows[1])
        window = windows[0]
        kind = window.name.upper()
        time_col, *intervals = window.expressions
        if not isinstance(time_col, exp.Column) or len(intervals) != len(GROUP_WINDOWS[kind]):
            raise stmt.error(TranslationError, f"{kind}(time column, {', '.join(GROUP_WINDOWS[kind]).lower()}) "
                             "expected", window)
        source = node.args["from_"].this
        if node.args.get("joins") or not isinstance(source, (exp.Table, exp.Subquery)):
            raise stmt.error(TranslationError, f"GROUP BY {kind}(...) over joins cannot be replayed yet",
                             window, "join in a view, then group the view")
        ltz = self._is_ltz(source, time_col.name)
        late_source = self._late_source(window, source, time_col.name)
        session_source = self._late_modeled(window) and kind == "SESSION" \
            and self._watermarked_relation(source, time_col.name)
        reads = source.name if isinstance(source, exp.Table) else None
        if late_source is not None or session_source:  # every row's watermark, before any filter
            source = (late_source or session_source)[1]
        if node.args.get("where") is not None:  # WHERE picks the rows windows are built from (sessions!)
            source = exp.select("*").from_(source.copy()).where(node.args["where"].this.copy()) \
                .subquery(source.alias_or_name)
            node.set("where", None)
        keys = [g.name for g in group.expressions if g is not window and isinstance(g, exp.Column)] \
            if kind == "SESSION" else []
        if session_source:
            source, keys = self._late_session(window, session_source[0], source, reads, time_col.name, keys,
                                              intervals[0], "GroupWindowAggregate")
        alias = source.alias_or_name
        relation = window_relation(kind, source, time_col.name, dict(zip(GROUP_WINDOWS[kind], intervals)), keys,
                                   alias, ltz)
        relation = self._late_window(window, relation, alias, late_source, "GroupWindowAggregate")
        node.set("from_", exp.From(this=relation))
        group.set("expressions", [g for g in group.expressions if g is not window]
                  + [exp.column("window_start"), exp.column("window_end"), exp.column("window_time")])

        def auxiliary(inner: exp.Expr) -> exp.Expr:
            if isinstance(inner, exp.Anonymous) and "_" in inner.name:
                prefix, _, prop = inner.name.upper().rpartition("_")
                if prefix == kind and prop in GROUP_WINDOW_PROPERTIES:
                    return exp.column(GROUP_WINDOW_PROPERTIES[prop])
            return inner

        for key in ("expressions", "having", "order"):
            if node.args.get(key) is not None:
                value = node.args[key]
                node.set(key, [v.transform(auxiliary) for v in value] if isinstance(value, list)
                         else value.transform(auxiliary))
        return node

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
        self._late_temporal_join(node, probe_time, time_col, stmt)
        return exp.Join(this=history.subquery(alias), method="ASOF", side=side or None,
                        on=exp.and_(condition.copy(), as_of))

    def _late_interval_join(self, node: exp.Join) -> None:
        """An interval join of two sources (or views filtering them) on their time attributes within constant
        bounds: the replay's join is Flink's when no pair is joined or not by how Flink interleaves the inputs
        (``late.interval_problems_sql``). It drops nothing, and passes both inputs' late rows on."""
        select = node.parent
        if not self._late_modeled(node) or not isinstance(select, exp.Select) or len(select.args["joins"]) != 1 \
                or not isinstance(select.args.get("from_"), exp.From) or node.args.get("using"):
            return
        sides = [select.args["from_"].this, node.this]
        times = [self._source_rowtime(side) for side in sides]
        if None in times or sides[1].args.get("version") is not None:
            return
        conditions = [c for c in (node.args.get("on"), select.args.get("where")) if c is not None]
        conditions = [c.this if isinstance(c, exp.Where) else c for c in conditions]
        bounds = late.interval_bounds(conditions, *((s.alias_or_name, t) for s, t in zip(sides, times)))
        found = [self._watermarked_relation(side, time) for side, time in zip(sides, times)]
        if bounds is None or None in found:
            return
        op_id = node.meta[late.LATE_ID]
        sql = late.interval_problems_sql(found[0][1], times[0], found[1][1], times[1],
                                         exp.and_(*(c.copy() for c in conditions)), bounds)
        self.late_operators[op_id] = late.LateOperator(op_id, "IntervalJoin", found[0][0].name, sides[0].name,
                                                      "interval", sql, reads_too=sides[1].name,
                                                      source_too=found[1][0].name)
        self.late_covered[op_id] = op_id

    def _source_rowtime(self, relation: exp.Expr) -> str | None:
        """The time attribute of a source table, or of the source below views that filter and project it."""
        while isinstance(relation, exp.Table):
            if relation.name in self.job.tables:
                return self.job.tables[relation.name].rowtime
            view = self.job.views.get(relation.name)
            relation = view.query.args.get("from_").this if view is not None and _plain_projection(view.query) \
                and view.query.args.get("from_") is not None else None
        return None

    def _late_temporal_join(self, node: exp.Join, probe_time: exp.Expr, time_col: str, stmt: Statement) -> None:
        """A temporal join over sources read directly (or through filtering views) replays as an as-of join when
        no row's outcome depends on how Flink interleaves the two inputs (``late.temporal_problems_sql``); it
        drops nothing, and passes its probe side's late rows on."""
        select = node.parent
        if not self._late_modeled(node) or not isinstance(select, exp.Select) \
                or not isinstance(probe_time, exp.Column) or not isinstance(select.args.get("from_"), exp.From):
            return
        probe = self._watermarked_relation(select.args["from_"].this, probe_time.name)
        versioned = node.this
        name = versioned.name
        if name in self.job.views:  # a versioned view: the versions are its source's rows
            tables = list(self.job.views[name].query.find_all(exp.Table))
            name = tables[0].name if len(tables) == 1 else ""
        source = self.job.tables.get(name)
        if probe is None or source is None or source not in self.job.sources or source.rowtime != time_col:
            return
        op_id = node.meta[late.LATE_ID]
        versions = late.watermarked(source.name, versioned.alias_or_name)
        sql = late.temporal_problems_sql(probe[1], probe_time.name, versions, time_col, node.args["on"])
        self.late_operators[op_id] = late.LateOperator(op_id, "TemporalJoin", probe[0].name, select.args["from_"]
                                                      .this.name, "temporal", sql, reads_too=versioned.name)
        self.late_covered[op_id] = op_id

    def _versions(self, table: exp.Table, stmt: Statement) -> tuple[exp.Query, str]:
        """Every version of a versioned table or view, and its time column."""
        name = table.name
        if name in self.job.tables:
            source = self.job.tables[name]
            if not source.rowtime or not source.primary_key:
                raise stmt.error(TranslationError, f"`{name}` is not a versioned table: it needs a PRIMARY KEY and "
                                 "a WATERMARK", table)
            # Two versions of a key at the same time: Flink's temporal join takes either (seen both ways in
            # one job), so a replay fails when the data holds such a pair, naming it.
            keys = ", ".join(exp.to_identifier(k).sql("duckdb") for k in [*source.primary_key, source.rowtime])
            message = exp.Literal.string(f"versioned table `{name}` holds two versions of one key at the same "
                                         f"time ({', '.join([*source.primary_key, source.rowtime])}): Flink's "
                                         "temporal join may take either, so a replay cannot reproduce it").sql("duckdb")
            versions = sqlglot.parse_one(f"SELECT * FROM {exp.to_identifier(name).sql('duckdb')} QUALIFY CASE WHEN "
                                         f"count(*) OVER (PARTITION BY {keys}) > 1 THEN error({message}) ELSE true END",
                                         read="duckdb")
            return versions, source.rowtime
        if name in self.job.views:
            view = self.job.views[name]
            found = _versioned_view(view.query)
            if found:
                return self._structural(found[0], view.statement), found[1]
            raise stmt.error(TranslationError, f"view `{name}` is not a versioned view", table,
                             "a versioned view keeps the last row per key: ROW_NUMBER() OVER (PARTITION BY key "
                             "ORDER BY time DESC) = 1")
        raise stmt.error(TranslationError, f"unknown table `{name}`", table)


def _window_consumer(node: WindowTableFunction) -> str | None:
    """The operator reading a window TVF's rows when it decides late rows by window (Flink's window aggregate
    grouped by window_start and window_end, or window top-N / deduplication ranked per window); None for
    anything else (the TVF's rows as they are: no late rule)."""
    select = node.parent.parent if isinstance(node.parent, exp.From) else None
    if not isinstance(select, exp.Select):
        return None
    windows = {"window_start", "window_end"}
    if select.args.get("group") is not None:
        grouped = {g.name for g in select.args["group"].expressions if isinstance(g, exp.Column)}
        return "WindowAggregate" if windows <= grouped else None
    for projection in select.expressions:
        for ranking in projection.find_all(exp.Window):
            partition = {p.name for p in ranking.args.get("partition_by") or [] if isinstance(p, exp.Column)}
            if isinstance(ranking.this, late.RANKINGS) and windows <= partition:
                return "WindowRank"
    return "WindowJoin" if _window_join(select) is not None else None


def _window_join(select: exp.Select) -> exp.Join | None:
    """The join ``select`` (a window TVF's rows) is a side of, when Flink plans it as a window join: the two
    sides' windows joined on equal window_start and window_end."""
    side = select.parent
    if not isinstance(side, exp.Subquery):
        return None
    join = side.parent if isinstance(side.parent, exp.Join) else None
    if join is None and isinstance(side.parent, exp.From) and isinstance(side.parent.parent, exp.Select):
        joins = side.parent.parent.args.get("joins") or []
        join = joins[0] if len(joins) == 1 else None
    on = join.args.get("on") if join is not None else None
    equal = {frozenset((eq.this.name, eq.expression.name)) for eq in (on.find_all(exp.EQ) if on is not None else [])
             if isinstance(eq.this, exp.Column) and isinstance(eq.expression, exp.Column)}
    return join if {frozenset({"window_start"}), frozenset({"window_end"})} <= equal else None


def _over_frame(window: exp.Window) -> tuple[str | None, int]:
    """(frame kind for ``late.simulate``, RANGE's preceding interval in ms): "range", "rows", "unbounded";
    None for a frame the replay does not follow."""
    spec = window.args.get("spec")
    if spec is None or str(spec.args.get("start")).upper() == "UNBOUNDED":
        return "unbounded", 0
    if str(spec.args.get("end") or "").upper() != "CURRENT ROW" or str(spec.args.get("start_side")).upper() != "PRECEDING":
        return None, 0
    if str(spec.args.get("kind")).upper() == "ROWS":
        return "rows", 0
    offset = interval_milliseconds(spec.args.get("start"))
    return ("range", offset) if offset is not None else (None, 0)


def _schema(tables: dict[str, dict[str, str]]) -> MappingSchema:
    schema = MappingSchema(dialect=CaseSensitiveDuckDB, normalize=False)
    for name, columns in tables.items():
        schema.add_table(name, columns, dialect=CaseSensitiveDuckDB)
    return schema


def filter_before_window(node: exp.Expr, views: dict[str, exp.Query]) -> exp.Expr:
    """Filters between a SESSION window TVF and its window aggregate, as Flink plans them
    (``FILTER_BEFORE_WINDOW``).

    ``SELECT ... FROM TABLE(SESSION(TABLE t ...)) WHERE p GROUP BY window_start, window_end, ...``: Flink
    merges the filters between the TVF and the aggregate (through plain projections: subqueries, views,
    which it inlines) into one; when that filter reads no window column, the aggregate assigns windows to
    the rows it lets through: ``TABLE (SELECT * FROM t WHERE p)``. Otherwise, and when no window aggregate
    reads the TVF (its rows selected, ranked, joined), the filter runs on windowed rows, sessions built
    from all rows: plain SQL. ``views``: the job's (untranslated) views by name.
    """
    if not isinstance(node, exp.Select) or not node.args.get("group") or node.args.get("joins"):
        return node
    chain = _projection_chain(node, views)
    if chain is None:
        return node
    grouped = {g.name for g in node.args["group"].expressions if isinstance(g, exp.Column)}
    for _, source in chain[:-1]:  # the grouping keys, named as the TVF names them
        grouped = _names_through(grouped, views[source.name] if isinstance(source, exp.Table) else source.this)
    if not {"window_start", "window_end"} <= grouped or _computes_on_windows(node, [s for s, _ in chain[1:]]):
        return node  # not a window aggregate reading the TVF's rows as they are
    condition = None  # the filters merged, over the TVF's columns
    for select, source in chain:
        if select.args.get("where") is not None:
            where = select.args["where"].this.copy()
            condition = exp.and_(condition, where, copy=False) if condition is not None else where
        if not isinstance(source, WindowTableFunction) and condition is not None:
            inner = views[source.name] if isinstance(source, exp.Table) else source.this
            condition = _through_projection(condition, inner, source.alias_or_name)
            if condition is None:
                return node
    window = chain[-1][1]
    if window.this not in FILTER_BEFORE_WINDOW or condition is None \
            or any(c.name in WINDOW_COLUMNS for c in condition.find_all(exp.Column)):
        return node
    if condition.find(exp.Query) is not None:  # a semi-join in Flink's plan: where it runs is not known here
        raise ValueError(f"a subquery in the filter of {window.this} window rows before their window aggregate "
                         "cannot be replayed yet (Flink may filter before or after building the windows)")
    while True:  # views inlined as copies, outermost first (Flink's plan reads through them)
        chain = _projection_chain(node, views)
        source = next((s for _, s in chain[:-1] if isinstance(s, exp.Table)), None)
        if source is None:
            break
        source.replace(exp.Subquery(this=views[source.name].copy(), alias=exp.TableAlias(
            this=exp.to_identifier(source.alias_or_name))))
    for select, _ in chain:
        select.set("where", None)
    argument = _table_argument(chain[-1][1])
    table = argument.this
    filtered = exp.select("*").from_(table.copy()).where(condition.transform(_unqualified), copy=False)
    argument.set("this", filtered.subquery(table.alias_or_name))
    return node


def _projection_chain(node: exp.Select, views: dict[str, exp.Query]) -> list[tuple[exp.Select, exp.Expr]] | None:
    """From ``node`` down to a window TVF over a table through plain projections (subqueries, views): each
    SELECT with the relation it reads; None when there is no such chain."""
    chain, select = [], node
    while True:
        source = select.args["from_"].this if select.args.get("from_") else None
        if isinstance(source, WindowTableFunction):
            argument = _table_argument(source)
            return [*chain, (select, source)] if argument is not None and isinstance(argument.this, exp.Table) \
                else None
        inner = views.get(source.name) if isinstance(source, exp.Table) \
            else source.this if isinstance(source, exp.Subquery) else None
        if not _plain_projection(inner):
            return None
        chain.append((select, source))
        select = inner


def _zone_offsets(zone: str) -> set[int] | None:
    """The UTC offsets (milliseconds) a time zone takes over a year (standard and daylight time)."""
    try:
        info = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    days = (datetime.datetime(2024, 1, 1) + datetime.timedelta(days=d) for d in range(0, 366, 7))
    return {int(info.utcoffset(day).total_seconds() * 1000) for day in days}


def _table_argument(window: WindowTableFunction) -> TableArgument | None:
    arguments = (a.expression if isinstance(a, exp.Kwarg) else a for a in window.expressions)
    return next((a for a in arguments if isinstance(a, TableArgument)), None)


# What makes a SELECT more than a row-by-row filter and projection (a Calc in Flink's plan).
NOT_A_PROJECTION = ("joins", "group", "having", "qualify", "distinct", "limit", "order", "windows")


def _plain_projection(query: exp.Expr | None) -> bool:
    return isinstance(query, exp.Select) and query.args.get("from_") is not None \
        and not any(query.args.get(k) for k in NOT_A_PROJECTION) \
        and not any(p.find(exp.AggFunc, exp.Window) for p in query.expressions)


def _computes_on_windows(aggregate: exp.Select, projections: list[exp.Select]) -> bool:
    """Whether the projections between a window TVF and its aggregate (``projections``, top down) or the
    aggregate's arguments compute on window columns (Flink then windows all rows before the filter)."""
    names = set(WINDOW_COLUMNS)

    def reads_windows(node: exp.Expr) -> bool:
        return any(c.name in names for c in node.find_all(exp.Column))

    for select in reversed(projections):
        values = [p.this if isinstance(p, exp.Alias) else p for p in select.expressions]
        if any(not isinstance(v, (exp.Column, exp.Star)) and reads_windows(v) for v in values):
            return True
        names = {p.alias_or_name for p, v in zip(select.expressions, values)
                 if isinstance(v, exp.Column) and v.name in names} | (names if any(p.is_star for p in values) else set())
    arguments = [a for f in aggregate.find_all(exp.AggFunc) for a in f.iter_expressions()]
    groups = [g for g in aggregate.args["group"].expressions if not isinstance(g, exp.Column)]
    return any(reads_windows(a) for a in arguments + groups)


def _names_through(names: set[str], inner: exp.Select) -> set[str]:
    """The input columns a projection passes on as ``names`` (computed ones left out)."""
    star = any(p.is_star for p in inner.expressions)
    columns = {p.alias_or_name: (p.this if isinstance(p, exp.Alias) else p) for p in inner.expressions
               if not p.is_star}
    return {columns[n].name for n in names if isinstance(columns.get(n), exp.Column)} \
        | {n for n in names if n not in columns and star}


def _through_projection(condition: exp.Expr, inner: exp.Select, alias: str) -> exp.Expr | None:
    """``condition`` over a projection's columns as a condition over its input (None when it reads more)."""
    star = any(p.is_star for p in inner.expressions)
    columns = {p.alias_or_name: (p.this if isinstance(p, exp.Alias) else p) for p in inner.expressions
               if not p.is_star}
    if any(c.table not in ("", alias) or (c.name not in columns and not star)
           for c in condition.find_all(exp.Column) if c.find_ancestor(exp.Query) is condition.find_ancestor(exp.Query)):
        return None

    def substitute(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column):
            return columns[node.name].copy() if node.name in columns else exp.column(node.this.copy())
        return node

    return condition.transform(substitute)


def _unqualified(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Column) and node.table:
        return exp.column(node.this.copy())
    return node


def _failing_on(condition: exp.Expr, message: exp.Literal, node: exp.Expr) -> exp.Expr:
    """``node``, or an error with ``message`` where ``condition`` holds."""
    checked = exp.Case(ifs=[exp.If(this=condition.copy(), true=exp.func("error", message))], default=node.copy())
    checked.type = node.type
    return checked


ARRIVAL_ROWS = "arrival_rows"  # meta of a window relation whose rows carry their place in their source (late.ROW)


def _rank_in_arrival_order(select: exp.Select, alias: str, rowtime: str) -> None:
    """Flink's window top-N keeps rows of equal sort keys in arrival order (``TopNRecordsCombiner`` appends
    them to one list per key, each window's rows coming in arrival order), and its window deduplication (``ROW_NUMBER`` by the time attribute alone,
    ``rn = 1``) keeps the first arrival among equal times ascending, the last descending: the ranking of
    ``select`` (reading a window relation ``alias`` whose rows keep their place) orders by the place last,
    and its ``*`` leaves the place out."""
    for projection in select.expressions:
        star = projection.this if isinstance(projection, exp.Column) and projection.is_star else projection
        if isinstance(star, exp.Star):
            star.set("except_", [*(star.args.get("except_") or []), exp.column(late.ROW)])
    for ranking in [w for p in select.expressions for w in p.find_all(exp.Window) if isinstance(w.this, exp.RowNumber)]:
        order = ranking.args.get("order")
        if order is None:
            continue
        keys = order.expressions
        latest_first = len(keys) == 1 and isinstance(keys[0].this, exp.Column) and keys[0].this.name == rowtime \
            and bool(keys[0].args.get("desc")) and late.top_n_kept(ranking) == 1
        order.append("expressions", exp.Ordered(this=exp.column(late.ROW, table=alias), desc=latest_first))


def _arrival_window(node: exp.Expr) -> exp.Subquery | None:
    """The window relation in arrival order (``ARRIVAL_ROWS``) the SELECT around ``node`` aggregates, if any."""
    select = node.find_ancestor(exp.Select)
    source = select.args["from_"].this if select is not None and select.args.get("from_") else None
    return source if isinstance(source, exp.Subquery) and source.meta.get(ARRIVAL_ROWS) \
        and not select.args.get("joins") and select.args.get("group") is not None else None


def _is_rowid(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and node.name == "rowid"


def bottom_up(tree: exp.Expr, rewrite: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Apply ``rewrite`` to every node, children before parents, so a rule sees translated arguments.
    A replacement keeps the annotated type of the node it replaces, and its late-rule id (on the node of the
    same kind within it: a rewritten OVER is still the OVER)."""
    for node in reversed(list(tree.walk())):  # reversed pre-order: descendants first
        new = rewrite(node)
        if new is not node:
            if new.type is None and node.type is not None:
                new.type = node.type
            if late.LATE_ID in node.meta:
                same = new.find(type(node))
                if same is not None and late.LATE_ID not in same.meta:
                    same.meta[late.LATE_ID] = node.meta[late.LATE_ID]
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _refuse_unknown_functions(tree: exp.Expr, stmt: Statement, user_functions: set[str]) -> None:
    """An allow-list, not a pass-through: a function the translation does not know might run on DuckDB
    with another meaning, so it is refused here with its place rather than replayed silently wrong."""
    for node in tree.walk():
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            known = any(name in names for names in (FUNCTIONS, NESTED_FUNCTIONS, TYPED_FUNCTIONS, user_functions,
                                                    GROUP_WINDOWS)) or name.rpartition("_")[0] in GROUP_WINDOWS
        elif isinstance(node, exp.Func):
            name = "ROW" if isinstance(node, exp.Struct) else node.sql(Flink).partition("(")[0].upper()
            known = type(node) in TRANSLATED_NODES or type(node) in NESTED_NODES
        else:
            continue
        if not known:
            raise stmt.error(TranslationError, f"{name}: the replay does not translate this function faithfully "
                             "yet, so it refuses it rather than risk another value than Flink's", node,
                             "replay this job with --engine flink, or compute the value another way")


def _refuse_untranslatable(tree: exp.Expr, stmt: Statement) -> None:
    for node in tree.walk():
        if type(node) in UNTRANSLATABLE:
            what, hint = UNTRANSLATABLE[type(node)]
            raise stmt.error(TranslationError, what, node, hint)
        clock = clock_function(node)
        if clock:
            raise stmt.error(TranslationError, f"{clock} reads the wall clock: a replay cannot reproduce it",
                             node, CLOCK_OPTION)
        name = node.name.upper() if isinstance(node, exp.Anonymous) else node.key.upper()
        if isinstance(node, (exp.Func, exp.CurrentTimestamp)) and name in PROCESSING_TIME_FUNCTIONS:
            raise stmt.error(TranslationError, f"{name}() is processing time: a replay cannot reproduce it",
                             node, "use an event-time column instead")


def _window_arguments(node: WindowTableFunction, order: tuple[str, ...], stmt: Statement) -> dict[str, exp.Expr]:
    args: dict[str, exp.Expr] = {}
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


def _nested_typed(node: exp.Expr, stmt: Statement) -> exp.Expr:
    try:
        return nested_typed(node)
    except ValueError as error:
        raise stmt.error(TranslationError, str(error), node) from None


def _node_rules(node: exp.Expr, stmt: Statement) -> exp.Expr:
    """A Flink function (``FUNCTIONS``) or a node with its own meaning (``node_semantics``) as DuckDB SQL."""
    try:
        return node_semantics(nested_rewrite(_flink_function(node, stmt)))
    except ValueError as error:
        raise stmt.error(TranslationError, str(error), node) from None


def _flink_function(node: exp.Expr, stmt: Statement) -> exp.Expr:
    if not isinstance(node, exp.Anonymous):
        return node
    rule = FUNCTIONS.get(node.name.upper()) or NESTED_FUNCTIONS.get(node.name.upper())
    if rule is None:
        return node  # a user function (model) or a DuckDB namesake with the same meaning
    args = list(node.expressions)
    try:
        sql = rule(args) if callable(rule) else expand_template(rule, args)
    except (ValueError, IndexError) as error:
        raise stmt.error(TranslationError, f"{node.name.upper()}: {error}", node) from None
    return exp.paren(duckdb_tree(sql), copy=False)
