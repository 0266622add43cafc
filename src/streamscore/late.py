"""Late rows as Flink's operators decide them, for the DuckDB replay.

Both engines read each source in file (arrival) order with a watermark after every record (a Flink replay
sets ``pipeline.auto-watermark-interval`` to 0, as Flink's own test programs do): the watermark an operator
holds when a row reaches it is the largest watermark expression of the rows before it in its source, emitted
only when it grows (and only above 0 ms). Each operator then decides on its own, as Flink 2's table runtime
does (``WindowAggOperator``, ``RowTime*PrecedingFunction``, ``RowTimeSortOperator``):

- window aggregates, window top-N and deduplication over TUMBLE, HOP, CUMULATE (and legacy GROUP BY TUMBLE /
  HOP): a row counts in each of its windows that has not fired (watermark < the window's last millisecond);
  a row none of whose windows is open is dropped. SQL: a filter on the windowed rows (``window_filter``).
- OVER with a bounded frame (RANGE x PRECEDING, ROWS n PRECEDING): a row is dropped when it is not newer than
  the last timer that fired for its key (a timer fires once the watermark passes a row's time; in RANGE the
  state-cleanup timers count too, and a cleanup that runs forgets the key). Unbounded OVER (LAG,
  FIRST_VALUE, running aggregates): a row at or behind the watermark is dropped.
- temporal sort (ORDER BY the time attribute): a row is dropped when not newer than the last time it emitted.
- MATCH_RECOGNIZE (``CepOperator``): a row at or behind the watermark is dropped (the unbounded OVER rule).
- window joins (``WindowJoinOperator``): a row is dropped when its window has fired by the lower of the two
  inputs' watermarks, which depends on their interleaving; by its own input's watermark it is never
  dropped, so a row whose window had fired by that watermark makes the replay refuse.
- keep-first deduplication on the time attribute (``RowTimeDeduplicateKeepFirstRowFunction``): a row strictly
  behind the watermark is dropped; the first row of a key is emitted once the watermark passes it.
- SESSION windows (TVF and legacy GROUP BY SESSION: ``MergingWindowProcessFunction``): a row is dropped when
  its own window [ts, ts + gap) touches no open session of its key and has ended by the watermark
  (ts + gap - 1 <= W); one that touches an open session joins it, late or not; a session that has fired is
  gone, so a later row near it starts another (``sessions``: each kept row's session, ``SESSIONS_TABLE``).

The OVER, sort and session rules depend on the timers' history: ``simulate`` runs them over the rows reaching
the operator, and the translation filters the rows it drops (``DROPS_TABLE``). Operators of other kinds
(interval and regular joins) and operators reading a source through a join or an aggregate are not modeled:
``unmodeled`` names those that late rows can reach, and the replay refuses rather than differ. A join's
watermark is the lower of its two inputs', which depends on how Flink interleaves them: its late rows are no
fact of the files.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from sqlglot import exp, parse_one

from streamscore.sql.dialect import WindowTableFunction, interval_milliseconds

LATE_ID = "late_id"  # meta key: a late-sensitive node's id, "<file>:<line>#<n>"
DROPS_TABLE = "__late_drops"  # (__operator, __row): the source rows an OVER or sort operator drops
SESSIONS_TABLE = "__late_sessions"  # (__operator, __row, __session): the session each kept row is in
SESSION = "__late_session"
WATERMARK = "__watermark"  # the watermark (epoch ms) an operator holds when the row arrives; NULL: none yet
ROW = "__row"  # the row's place in its source (DuckDB rowid: file order)
NO_WATERMARK = -(2 ** 62)  # epoch ms below any row's: before the first watermark
RANKINGS = (exp.RowNumber, exp.Rank, exp.DenseRank)  # Flink plans these as Rank: no late rule (but see keeps_first)


@dataclass
class LateOperator:
    """One operator whose late rows the replay decides as Flink does."""

    id: str
    kind: str  # Flink's operator name, as `run` reports numLateRecordsDropped: OverAggregate, WindowAggregate ...
    source: str  # the source table whose rows and watermark it reads
    reads: str  # the table or view it reads (the source, or a view filtering and projecting it)
    # "window", "range", "rows", "unbounded", "sort", "session", "dedup", "temporal", "window_join", "interval"
    frame: str
    sql: str  # window: counts its dropped rows; others: the rows reaching it (ROW, keys __k0.., __ts, WATERMARK)
    offset: int = 0  # RANGE: the preceding interval in ms
    decided: bool = False
    dropped: int = 0
    passes_late: int = 0  # rows it keeps that are behind the watermark: late again for the next operator
    problem: str | None = None  # why the replay cannot follow it on this data
    reads_too: str | None = None  # a join: the other table or view it reads (a temporal join's versions)
    source_too: str | None = None  # an interval join: the source below ``reads_too``


def node_id(stmt, n: int) -> str:
    return f"{stmt.path.name}:{stmt.line}#{n}"


def top_n_kept(window: exp.Window) -> int | None:
    """N of a top-N around ``window`` (``SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn ...)
    WHERE rn <= N``, ``rn < N + 1`` or ``rn = 1``), or None when its rows are not filtered that way."""
    projection = window.parent
    inner = window.find_ancestor(exp.Select)
    if not isinstance(projection, exp.Alias) or inner is None or not isinstance(inner.parent, exp.Subquery):
        return None
    outer = inner.parent.find_ancestor(exp.Select)
    where = outer.args.get("where") if outer is not None else None
    if where is None:
        return None
    for part in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        if isinstance(part, (exp.LTE, exp.LT, exp.EQ)) and isinstance(part.this, exp.Column) \
                and part.this.name == projection.alias and isinstance(part.expression, exp.Literal) \
                and part.expression.is_int:
            n = int(part.expression.name)
            return n - 1 if isinstance(part, exp.LT) else n
    return None


def keeps_first(node: exp.Expr, rowtimes: set[str]) -> bool:
    """A ROW_NUMBER keeping the first row by a time attribute (``ORDER BY ts`` ascending, ``rn = 1``), not per
    window: Flink plans it as its rowtime Deduplicate keeping the first row (``RowTimeDeduplicateKeepFirstRow
    Function``, insert-only), which drops a row strictly behind the watermark. Keeping the last row
    (``ORDER BY ts DESC``) has no late rule: it replaces the row it keeps at once."""
    if not isinstance(node, exp.Window) or not isinstance(node.this, exp.RowNumber):
        return False
    order = node.args.get("order")
    keys = order.expressions if order is not None else []
    partition = {p.name for p in node.args.get("partition_by") or [] if isinstance(p, exp.Column)}
    return len(keys) == 1 and not keys[0].args.get("desc") and isinstance(keys[0].this, exp.Column) \
        and keys[0].this.name in rowtimes and not {"window_start", "window_end"} <= partition \
        and top_n_kept(node) == 1


def sensitive_nodes(query: exp.Expr, rowtimes: set[str], bounds_times: bool = True) -> list[tuple[str, exp.Expr]]:
    """The nodes of ``query`` whose operator depends on which rows arrive late, in a fixed order (the
    translation stamps them with ids, the refusal check finds them again by the same walk). ``rowtimes``: the
    names of the job's time attributes; ``bounds_times``: whether the job may bound a join by time
    (``compares_times``); without that, its joins are regular joins (``StreamingJoinOperator`` drops nothing)
    but for temporal joins."""
    found = []
    for node in query.walk():
        if keeps_first(node, rowtimes):
            found.append(("deduplicate", node))
        elif isinstance(node, WindowTableFunction) or (
                isinstance(node, exp.Anonymous) and node.name.upper() in ("TUMBLE", "HOP", "SESSION")
                and isinstance(node.parent, exp.Group)):
            found.append(("window", node))
        elif isinstance(node, exp.Window) and node.args.get("order") is not None \
                and not isinstance(node.this, RANKINGS):
            found.append(("OVER", node))
        elif isinstance(node, exp.Join) and not isinstance(node.this, exp.Unnest) and (  # UNNEST: per row
                bounds_times or isinstance(node.this.args.get("version"), exp.Version)):
            found.append(("join", node))
        elif isinstance(node, exp.Order) and isinstance(node.parent, exp.Select) \
                and node.parent.args.get("limit") is None:  # with LIMIT: a top-N, no late rule
            found.append(("ORDER BY", node))
        elif isinstance(node, exp.MatchRecognize):
            found.append(("MATCH_RECOGNIZE", node))
    return found


def rowtimes(job) -> set[str]:
    return {t.rowtime for t in job.tables.values() if t.rowtime}


WINDOW_TIMES = {"window_start", "window_end", "window_time"}
COMPARISONS = (exp.EQ, exp.NEQ, exp.NullSafeEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between)


def compares_times(job) -> bool:
    """Whether a predicate anywhere in ``job`` compares two columns that may hold time attributes (a rowtime,
    a window's time, or any alias of an expression reading one), as an interval join's bounds do. Flink
    pushes a predicate through views into the join below it, so every statement counts; a column list that
    renames by position (``AS t(a, b)``, but for UNNEST's elements) hides names, and so does ``*`` over a join
    (two ``ts`` columns, one renamed), so either counts as one too."""
    queries = [q for q in [v.query for v in job.views.values()] + [i.query for i in job.inserts] if q is not None]
    if any(alias.columns and not isinstance(alias.parent, exp.Unnest)
           for q in queries for alias in q.find_all(exp.TableAlias)):
        return True
    if any(select.args.get("joins") and any(p.is_star for p in select.expressions)
           for q in queries for select in q.find_all(exp.Select)):
        return True
    times, grown = rowtimes(job) | WINDOW_TIMES, True
    while grown:
        aliases = {a.alias for q in queries for a in q.find_all(exp.Alias)
                   if any(c.name in times for c in a.this.find_all(exp.Column))}
        grown = not aliases <= times
        times |= aliases
    return any(sum(c.name in times for c in predicate.find_all(exp.Column)) >= 2
               for q in queries for predicate in q.find_all(*COMPARISONS))


def stamp(query: exp.Expr, stmt, job) -> None:
    for n, (_, node) in enumerate(sensitive_nodes(query, rowtimes(job), compares_times(job))):
        node.meta[LATE_ID] = node_id(stmt, n)


def watermarked_name(table: str) -> str:
    return f"__watermarked_{table}"


def watermarked_sql(table: str, watermark: str) -> str:
    """A view of source ``table`` with each row's place and the watermark (epoch ms) it finds on arrival: the
    largest watermark expression (``watermark``, DuckDB SQL) of the rows before it; Flink emits none at or
    below 0 ms."""
    held = f"epoch_ms(max({watermark}) OVER (ORDER BY {table}.rowid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))"
    return (f"CREATE OR REPLACE TEMPORARY VIEW {watermarked_name(table)} AS SELECT *, {table}.rowid AS {ROW}, "
            f"CASE WHEN {held} > 0 THEN {held} END AS {WATERMARK} FROM {table}")


def watermarked(table: str, alias: str) -> exp.Table:
    """The watermarked view of source ``table`` (``watermarked_sql``), named ``alias``."""
    return exp.Table(this=exp.to_identifier(watermarked_name(table)), alias=exp.TableAlias(this=exp.to_identifier(alias)))


def temporal_problems_sql(probe: exp.Expr, probe_time: str, versions: exp.Expr, version_time: str,
                          condition: exp.Expr) -> str:
    """Rows whose join Flink's temporal join (``TemporalRowTimeJoinOperator``) decides by how it interleaves
    its inputs, the replay's as-of join not (a count; 0: the as-of join is Flink's result).

    The operator keeps each key's versions by row time; once the lower of the two watermarks passes a probe
    row, it joins the row with the latest version at or before its time, then forgets the versions older
    than the latest one at or before that watermark. It drops no row. So, in arrival order:
    - a probe row strictly behind its watermark, with a version of its key between its time and that
      watermark: the version it needs may be forgotten by then;
    - a version strictly behind its watermark: probe rows after it may have been joined before it came;
    - a version at its watermark and a probe row of its key at its time: joined with or without it.
    Otherwise a version at or before a probe row's time has come before both watermarks pass the row."""
    p, v = probe.alias_or_name, versions.alias_or_name
    probe_ms = f"epoch_ms({exp.column(probe_time, table=p).sql('duckdb')})"
    version_ms = f"epoch_ms({exp.column(version_time, table=v).sql('duckdb')})"
    pairs = f"{versions.sql('duckdb')} JOIN {probe.sql('duckdb')} ON {condition.sql('duckdb')}"
    return (f"SELECT (SELECT count(DISTINCT {p}.{ROW}) FROM {pairs} AND {version_ms} > {probe_ms} "
            f"AND {version_ms} <= {p}.{WATERMARK} WHERE {probe_ms} < {p}.{WATERMARK}) "
            f"+ (SELECT count(*) FROM {versions.sql('duckdb')} WHERE {version_ms} < {v}.{WATERMARK}) "
            f"+ (SELECT count(*) FROM {pairs} AND {probe_ms} = {version_ms} WHERE {version_ms} = {v}.{WATERMARK})")


def interval_bounds(conditions: list[exp.Expr], left: tuple[str, str],
                    right: tuple[str, str]) -> tuple[int, int] | None:
    """An interval join's bounds as Flink extracts them: (lower, upper) in ms with lower <= tl - tr <= upper,
    from the conjuncts of ``conditions`` (its ON and WHERE) comparing ``left``'s time (alias, column) with
    ``right``'s, each side the time plus or minus a constant INTERVAL (a strict comparison moves its bound by
    1 ms). None when a conjunct compares the two times otherwise, or a bound is missing."""
    def side(node: exp.Expr) -> tuple[str, int] | None:  # (which time, offset ms)
        node = node.unnest()
        if isinstance(node, exp.Column):
            for name, (alias, column) in (("l", left), ("r", right)):
                if node.name == column and node.table == alias:
                    return name, 0
            return None
        if isinstance(node, (exp.Add, exp.Sub)):
            time, offset = side(node.this), interval_milliseconds(node.expression)
            if time is not None and offset is not None:
                return time[0], time[1] + (offset if isinstance(node, exp.Add) else -offset)
        return None

    def reads_times(node: exp.Expr) -> set[str]:
        return {name for c in node.find_all(exp.Column) for name, (alias, column) in (("l", left), ("r", right))
                if c.name == column and c.table == alias}

    comparisons = []
    for condition in conditions:
        for part in condition.flatten() if isinstance(condition, exp.And) else [condition]:
            part = part.unnest()
            if reads_times(part) != {"l", "r"}:
                continue  # a filter, or the key
            if isinstance(part, exp.Between):
                comparisons += [(exp.GTE, part.this, part.args["low"]), (exp.LTE, part.this, part.args["high"])]
            elif isinstance(part, (exp.EQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
                comparisons.append((type(part), part.this, part.expression))
            else:
                return None
    lower = upper = None
    for kind, a, b in comparisons:
        a, b = side(a), side(b)
        if a is None or b is None or a[0] == b[0]:
            return None
        if a[0] == "r":  # tr + x op tl + y: tl - tr (op reversed) x - y
            kind = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE}.get(kind, kind)
            bound = a[1] - b[1]
        else:  # tl + x op tr + y: tl - tr op y - x
            bound = b[1] - a[1]
        if kind in (exp.GT, exp.GTE, exp.EQ):
            bound_low = bound + (1 if kind is exp.GT else 0)
            lower = bound_low if lower is None else max(lower, bound_low)
        if kind in (exp.LT, exp.LTE, exp.EQ):
            bound_high = bound - (1 if kind is exp.LT else 0)
            upper = bound_high if upper is None else min(upper, bound_high)
    return None if lower is None or upper is None else (lower, upper)


def interval_problems_sql(left: exp.Expr, left_time: str, right: exp.Expr, right_time: str, condition: exp.Expr,
                          bounds: tuple[int, int]) -> str:
    """Pairs an interval join (``TimeIntervalJoin`` on event time) joins or not by how it interleaves its inputs,
    the replay's join always (a count; 0: the replay's join is Flink's result).

    The operator's time W is the lower of its two inputs' watermarks. A left row at tl is kept while W < tl + L
    (L = -lower: the latest right time it pairs with) and forgotten once W > tl + L; a right row at tr alike,
    with R = upper. Before a row arrives, its own input's watermark is at most the one it finds (w). So with
    the right row first, W is at most min(wl, wr) when it comes and at most wl until the left row comes: the
    pair is joined when min(wl, wr) < tr + R and wl <= tr + R; with the left row first, when
    min(wl, wr) < tl + L and wr <= tl + L. A pair meeting both is joined whatever the interleaving; a row
    without a watermark yet has none to meet."""
    lower, upper = bounds
    l, r = left.alias_or_name, right.alias_or_name
    l_ms = f"epoch_ms({exp.column(left_time, table=l).sql('duckdb')})"
    r_ms = f"epoch_ms({exp.column(right_time, table=r).sql('duckdb')})"
    l_wm, r_wm = (f"coalesce({side}.{WATERMARK}, {NO_WATERMARK})" for side in (l, r))
    sure = (f"{l_wm} <= {r_ms} + {upper} AND least({l_wm}, {r_wm}) < {r_ms} + {upper} "
            f"AND {r_wm} <= {l_ms} + {-lower} AND least({l_wm}, {r_wm}) < {l_ms} + {-lower}")
    return (f"SELECT count(*) FROM {left.sql('duckdb')} JOIN {right.sql('duckdb')} ON {condition.sql('duckdb')} "
            f"WHERE NOT ({sure})")


def rows_of(relation: exp.Expr, alias: str, where: str | None = None, keep_row: bool = False) -> exp.Subquery:
    """``relation``'s rows (those ``where`` holds) without their arrival watermark, and without their place
    unless ``keep_row`` (arrival order for what reads them), named ``alias``."""
    dropped = WATERMARK if keep_row else f"{ROW}, {WATERMARK}"
    tree = parse_one(f"SELECT * EXCLUDE ({dropped}) FROM __rows" + (f" WHERE {where}" if where else ""),
                     read="duckdb")
    tree.find(exp.Table).replace(relation.copy())
    return tree.subquery(alias)


def window_filter(relation: exp.Subquery, alias: str, keep_row: bool = False) -> exp.Subquery:
    """The windowed rows an aggregate (or window top-N) keeps: a row in a window that has not fired."""
    return rows_of(relation, alias, f"coalesce({WATERMARK} < epoch_ms(window_time), true)", keep_row)


def kept_sql(operator: str) -> str:
    """``NOT IN`` the rows ``operator`` drops (``DROPS_TABLE``): a condition on a row's place."""
    return f"NOT IN (SELECT {ROW} FROM {DROPS_TABLE} WHERE __operator = '{operator}')"


def window_join_problems_sql(relation: exp.Subquery) -> str:
    """A window join's side: its rows whose window had fired by their own input's watermark. Flink's window join
    drops a row whose window has fired by the lower of its two inputs' watermarks, which depends on how it
    interleaves them; a row whose window is open by its own input's watermark is never dropped."""
    return f"SELECT count(*) FROM ({relation.this.sql('duckdb')}) WHERE {WATERMARK} >= epoch_ms(window_time)"


def window_drop_count_sql(relation: exp.Subquery) -> str:
    """Rows none of whose windows was open on arrival: the rows Flink's window operator drops."""
    return (f"SELECT count(*) FROM (SELECT {ROW} FROM ({relation.this.sql('duckdb')}) GROUP BY {ROW} "
            f"HAVING bool_and({WATERMARK} >= epoch_ms(window_time)))")


@dataclass
class _KeyState:
    last: int | None = None  # lastTriggeringTs
    cleanup: int | None = None  # cleanupTsState (RANGE)
    timers: list = field(default_factory=list)  # heap of (time, watermark when registered)
    registered: set = field(default_factory=set)  # timer times pending (Flink keeps one timer per time)
    data: set = field(default_factory=set)  # times with rows waiting in state
    epoch: int = 0  # cleanups so far
    epochs: dict = field(default_factory=dict)  # epoch -> (min, max) time of the rows it kept


def simulate(frame: str, offset: int, rows: dict[str, list]) -> tuple[list[int], int, str | None]:
    """Which rows an OVER (``frame`` range/rows/unbounded) or temporal sort drops, in arrival order.

    ``rows``: ROW, __ts (ms), WATERMARK (ms or None) and the key columns __k0.. per row. A timer registered
    by a row fires at the first watermark emitted after that row at or past the timer's time; the watermark
    a row finds is the last one emitted before it, so a timer is due when ``time <= W`` and it was registered
    under an older watermark. Returns (dropped rows, rows kept behind the watermark, why the replay cannot
    follow the operator here or None)."""
    keys = [k for k in rows if k.startswith("__k")]
    states: dict[tuple, _KeyState] = {}
    dropped, passes_late, problem = [], 0, None
    for i, row in enumerate(rows[ROW]):
        ts, wm = rows["__ts"][i], rows[WATERMARK][i]
        if frame == "unbounded":
            if wm is not None and ts <= wm:
                dropped.append(row)
            continue
        if frame == "dedup":  # strictly behind; a row at the watermark is kept, and late for the next operator
            if wm is not None and ts < wm:
                dropped.append(row)
            elif wm is not None and ts == wm:
                passes_late += 1
            continue
        key = tuple(rows[k][i] for k in keys)
        state = states.setdefault(key, _KeyState())
        if wm is not None:
            _fire(state, frame, wm)
        last = state.last if state.last is not None else (None if frame == "sort" else 0)
        if last is not None and ts <= last:
            dropped.append(row)
            continue
        if wm is not None and ts <= wm:
            passes_late += 1
        state.data.add(ts)
        _register(state, ts, wm)
        if frame == "range":
            low, high = state.epochs.get(state.epoch, (ts, ts))
            state.epochs[state.epoch] = (min(low, ts), max(high, ts))
            if state.cleanup is None or state.cleanup < ts + offset + 1:
                state.cleanup = ts + int(offset * 1.5) + 1
                _register(state, state.cleanup, wm)
    if frame == "range":
        for key, state in states.items():
            spans = [state.epochs[e] for e in sorted(state.epochs)]
            if any(later[0] - offset <= earlier[1] for earlier, later in zip(spans, spans[1:])):
                problem = (f"key {key!r}: a row arrived after Flink's OVER had cleaned up the key's state (its "
                           "rows 1.5 ranges behind the watermark), and its range reaches rows Flink forgot")
                break
    return dropped, passes_late, problem


def sessions(gap: int, rows: dict[str, list]) -> tuple[list[int], dict[int, int]]:
    """Flink's merging session window (``MergingWindowProcessFunction``, allowed lateness 0), per key: a row's
    window [ts, ts + gap) merges with every open session it touches (ends included); the merged window is late,
    and the row dropped, only when it merged with nothing and its end - 1 <= the watermark the row finds (an
    open session never is: it fires once the watermark reaches its end - 1, and is gone, so a later row near it
    starts a new session). Returns (dropped rows, each kept row's session: a number per session)."""
    keys = [k for k in rows if k.startswith("__k")]
    states: dict[tuple, list] = {}  # key -> open sessions [start, end, rows]
    dropped, session_of, numbers = [], {}, iter(range(1, 1 << 62))

    def close(session):
        number = next(numbers)
        for member in session[2]:
            session_of[member] = number

    for i, row in enumerate(rows[ROW]):
        ts, wm = rows["__ts"][i], rows[WATERMARK][i]
        opened = states.setdefault(tuple(rows[k][i] for k in keys), [])
        if wm is not None:
            for session in [s for s in opened if s[1] - 1 <= wm]:  # fired by the watermark
                opened.remove(session)
                close(session)
        start, end = ts, ts + gap
        touching = [s for s in opened if start <= s[1] and end >= s[0]]
        if not touching and wm is not None and end - 1 <= wm:
            dropped.append(row)
            continue
        for session in touching:
            opened.remove(session)
        opened.append([min([start, *(s[0] for s in touching)]), max([end, *(s[1] for s in touching)]),
                       [row, *(m for s in touching for m in s[2])]])
    for opened in states.values():  # the end of the input fires the rest
        for session in opened:
            close(session)
    return dropped, session_of


def _register(state: _KeyState, time: int, wm: int | None) -> None:
    if time not in state.registered:
        state.registered.add(time)
        heapq.heappush(state.timers, (time, wm if wm is not None else float("-inf")))


def _fire(state: _KeyState, frame: str, wm: int) -> None:
    """Fire the key's timers due at watermark ``wm`` (in time order, as Flink's timer service does)."""
    due, waiting = [], []
    while state.timers and state.timers[0][0] <= wm:
        timer = heapq.heappop(state.timers)
        (due if timer[1] < wm else waiting).append(timer)
    for timer in waiting:
        heapq.heappush(state.timers, timer)
    for time, _ in due:
        state.registered.discard(time)
        if frame == "range" and state.cleanup is not None and state.cleanup <= time:
            state.last = state.cleanup = None  # the cleanup ran: the key is forgotten
            state.data.clear()
            state.epoch += 1
            continue
        had_rows = time in state.data
        state.data.discard(time)
        if had_rows or frame != "sort":
            state.last = time


def unmodeled(job, late_sources: set[str], covered: dict[str, str], operators: dict[str, LateOperator]) -> list[str]:
    """Late-sensitive operators that rows behind the watermark can reach and the replay does not model, as
    "file:line: kinds"; follows the job's views in order (what carries late rows: a source that has them, a
    view reading one not through a modeled operator, or a modeled OVER/sort that keeps some)."""
    carries = {name: name in late_sources for name in job.tables}
    found = []
    statements = [(v.name, v.query, v.statement) for v in job.views.values()] + \
                 [(None, i.query, i.statement) for i in job.inserts]
    for name, query, stmt in statements:
        reads = set(stmt.names) if query is None else {t.name for t in query.find_all(exp.Table)}
        late_in = {r for r in reads if carries.get(r)}
        if query is None:
            if late_in:
                found.append(f"{stmt.path}:{stmt.line}: SQL only Flink reads")
        elif late_in:
            kinds, modeled = set(), []
            for n, (kind, _) in enumerate(sensitive_nodes(query, rowtimes(job), compares_times(job))):
                op = operators.get(covered.get(node_id(stmt, n), ""))
                if op is None:
                    kinds.add(kind)
                else:
                    modeled.append(op)
            if kinds:
                found.append(f"{stmt.path}:{stmt.line}: {', '.join(sorted(kinds))}")
            direct = {op.reads for op in modeled} | {op.reads_too for op in modeled if op.reads_too}
            late_in = {r for r in late_in if r not in direct} | {op.reads for op in modeled if op.passes_late}
        if name is not None:
            carries[name] = bool(late_in)
    return found
