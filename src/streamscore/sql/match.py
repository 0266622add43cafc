"""MATCH_RECOGNIZE on the replay: the clause read into a spec, and a matcher with Flink's CEP semantics.

Flink runs MATCH_RECOGNIZE as a CEP operator: each partition's rows in event-time order (then the further
ORDER BY keys, then arrival), fed one at a time to an NFA whose pattern variables follow each other strictly
(no row skipped). The matcher here keeps Flink's rules where they show in results:

- every row may start a match; partial matches run side by side, each row either extends them or ends them;
- a greedy quantifier (``B+``, ``B{1,3}``) makes the next variable's first row also fail ``B``'s condition,
  without backtracking (Flink's NFA adds ``NOT B`` to the next state's conditions); a reluctant one
  (``B+?``) lets both go on; a reluctant last variable completes a match as soon as it may;
- without AFTER MATCH, the default is SKIP TO NEXT ROW (Calcite's);
- a completed match is reported only when no partial match that started earlier is still running (then the
  earlier one goes first), and AFTER MATCH SKIP drops the partial and pending matches it overlaps; its
  MATCH_ROWTIME() is the time of the row at which it is reported (a held match: a later row's);
- WITHIN: a partial match is dropped once a row is at least the interval after its first row;
- a completed match still held at the end of input is never reported (Flink keeps it); one held behind a
  partial match that WITHIN drops is refused: Flink reports it (or not) by its watermarks, not by the rows.

DEFINE conditions are evaluated here, in Python, per row (``compile_condition``); MEASURES become SQL
aggregates over the matched rows (``measure_query``), so the translation types and computes them as Flink
does. What is not implemented is refused with a TranslationError naming the construct.
"""

from __future__ import annotations

import datetime
import decimal
import re
from dataclasses import dataclass, field
from typing import Callable

from sqlglot import exp

from streamscore.errors import EngineError, TranslationError
from streamscore.sql.dialect import INTERVAL_MILLISECONDS, interval_milliseconds

# Columns of a match table (one row per matched row) besides the input's.
MATCH_ID, LABEL, LABEL_INDEX, LABEL_COUNT, INDEX, COUNT = ("__match", "__label", "__label_index", "__label_count",
                                                         "__index", "__count")
MATCH_ROWTIME = "__match_rowtime"  # the time of the row at which Flink reported the match (the rowtime's type)
MATCH_COLUMNS = {MATCH_ID: "BIGINT", LABEL: "VARCHAR", LABEL_INDEX: "BIGINT", LABEL_COUNT: "BIGINT",
                 INDEX: "BIGINT", COUNT: "BIGINT"}
SKIPS = ("PAST LAST ROW", "TO NEXT ROW", "TO FIRST", "TO LAST")
AGGREGATES = {exp.Sum: "SUM", exp.Count: "COUNT", exp.Avg: "AVG", exp.Min: "MIN", exp.Max: "MAX"}
INTERVAL_UNITS = {u: INTERVAL_MILLISECONDS[u] for u in ("SECOND", "MINUTE", "HOUR", "DAY")}  # as replayed


@dataclass(frozen=True)
class Element:
    """One pattern variable with its quantifier: ``min``..``max`` rows (``max`` None: no bound)."""

    var: str
    min: int
    max: int | None
    greedy: bool

    @property
    def greedy_effect(self) -> bool:
        """Whether Flink's NFA makes the next variable's first row fail this one's condition: a greedy loop,
        or a greedy range of counts (``?`` and ``{n}`` are neither)."""
        first = max(self.min, 1)
        return self.greedy and (self.max is None or first != self.max)


@dataclass
class MatchSpec:
    partition_by: list[str]
    order_by: list[tuple[str, bool]]  # (column, descending); the first is the event time
    measures: list[tuple[str, exp.Expr]]
    skip: tuple[str, str | None]
    pattern: list[Element]
    define: dict[str, exp.Expr]
    within_ms: int | None
    alias: str | None = None
    conditions: dict[str, Callable] = field(default_factory=dict)

    @property
    def rowtime(self) -> str:
        return self.order_by[0][0]


def refuse(stmt, message: str, node: exp.Expr | None = None, hint: str | None = None):
    return stmt.error(TranslationError, f"MATCH_RECOGNIZE: {message}", node,
                      hint or "replay this job with --engine flink")


# -- reading the clause ------------------------------------------------------------------------------------
def read_spec(node: exp.MatchRecognize, stmt) -> MatchSpec:
    rows = node.args.get("rows")
    if rows is not None and rows.name.upper() != "ONE ROW PER MATCH":
        raise refuse(stmt, f"{rows.name} is not replayed yet (only ONE ROW PER MATCH)", node)
    partition = []
    for column in node.args.get("partition_by") or []:
        if not isinstance(column, exp.Column) or column.table:
            raise refuse(stmt, f"PARTITION BY {column.sql('flink')}: only plain columns are replayed", node)
        partition.append(column.name)
    order = node.args.get("order")
    if order is None or not order.expressions:
        raise refuse(stmt, "ORDER BY the event time is required", node)
    order_by = []
    for key in order.expressions:
        if not isinstance(key.this, exp.Column) or key.this.table:
            raise refuse(stmt, f"ORDER BY {key.sql('flink')}: only plain columns are replayed", key)
        order_by.append((key.this.name, bool(key.args.get("desc"))))
    if order_by[0][1]:
        raise refuse(stmt, "ORDER BY must start with the event time ascending (as Flink requires)", order)
    pattern_text = node.args.get("pattern")
    if pattern_text is None:
        raise refuse(stmt, "PATTERN is missing", node)
    pattern = read_pattern(pattern_text.name, stmt, node)
    variables = {e.var for e in pattern}
    define = {}
    for item in node.args.get("define") or []:
        name = item.alias
        if name not in variables:
            raise refuse(stmt, f"DEFINE {name}: not a variable of the pattern", item)
        define[name] = item.this
    skip = read_skip(node.args.get("after"), variables, stmt, node)
    measures = []
    for measure in node.args.get("measures") or []:
        if measure.args.get("window_frame"):
            raise refuse(stmt, f"{measure.args['window_frame']} measures are not replayed yet", measure)
        this = measure.this
        if not isinstance(this, exp.Alias):
            raise refuse(stmt, f"measure {this.sql('flink')} needs a name (AS name)", this)
        measures.append((this.alias, this.this))
    within = node.args.get("within")
    within_ms = interval_ms(within, stmt) if within is not None else None
    alias = node.args.get("alias")
    spec = MatchSpec(partition, order_by, measures, skip, pattern, define, within_ms,
                     alias.name if alias is not None else None)
    spec.conditions = {var: compile_condition(define[var], var, spec, stmt) for var in define}
    return spec


def interval_ms(node: exp.Expr, stmt) -> int:
    milliseconds = interval_milliseconds(node, INTERVAL_UNITS)
    if milliseconds is None:
        raise refuse(stmt, f"interval {node.sql('flink')}: only INTERVAL 'n' SECOND|MINUTE|HOUR|DAY is replayed",
                     node)
    return milliseconds


def read_skip(after: exp.Expr | None, variables: set[str], stmt, node) -> tuple[str, str | None]:
    if after is None:
        return ("TO NEXT ROW", None)  # the default (Calcite's, so Flink's)
    text = after.name.upper().removeprefix("AFTER MATCH SKIP ").strip()
    for skip in SKIPS:
        if text == skip:
            return (skip, None)
        if skip.startswith("TO ") and text.startswith(skip + " "):
            var = after.name.strip().split()[-1]
            if var not in variables:
                raise refuse(stmt, f"AFTER MATCH SKIP {skip} {var}: not a variable of the pattern", node)
            return (skip, var)
    raise refuse(stmt, f"{after.name} is not replayed", node)


TOKEN = re.compile(r"\s*(?:(?P<var>[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)|(?P<quant>\*\??|\+\??|\?\??|\{\s*\d*\s*(?:,\s*\d*\s*)?\}\??)"
                   r"|(?P<other>\S))")


def read_pattern(text: str, stmt, node) -> list[Element]:
    """``A B+ C{2,3}?``: variables in sequence, each with a quantifier (greedy unless followed by ``?``)."""
    elements: list[Element] = []
    position, quantified = 0, False
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        position = match.end()
        if match.group("other"):
            what = {"|": "alternation (|)", "(": "grouping ( )", "^": "anchors (^ $)", "$": "anchors (^ $)"}
            raise refuse(stmt, f"PATTERN ({text}): {what.get(match.group('other'), repr(match.group('other')))} "
                         "is not replayed", node)
        if match.group("var"):
            var = match.group("var").strip("`")
            if var.upper() == "PERMUTE":
                raise refuse(stmt, f"PATTERN ({text}): PERMUTE is not replayed", node)
            if any(e.var == var for e in elements):
                raise refuse(stmt, f"PATTERN ({text}): variable {var} appears twice, which is not replayed", node)
            elements.append(Element(var, 1, 1, True))
            quantified = False
            continue
        quant = match.group("quant").replace(" ", "")
        if not elements or quantified:
            raise refuse(stmt, f"PATTERN ({text}): quantifier {quant} must follow a variable", node)
        reluctant = quant.endswith("?") and len(quant) > 1
        body = quant[:-1] if reluctant else quant
        if body == "*":
            low, high = 0, None
        elif body == "+":
            low, high = 1, None
        elif body == "?":
            low, high = 0, 1
        else:
            low_text, comma, high_text = body[1:-1].partition(",")
            low = int(low_text) if low_text else 0
            high = (int(high_text) if high_text else None) if comma else low
        if (high is not None and (high < low or high == 0)) or (reluctant and (low, high) == (0, 1)):
            raise refuse(stmt, f"PATTERN ({text}): quantifier {quant} is not replayed", node)
        elements[-1] = Element(elements[-1].var, low, high, not reluctant)
        quantified = True
    if not elements:
        raise refuse(stmt, "PATTERN is empty", node)
    last = elements[-1]
    if last.min == 0 or (last.greedy and last.max != last.min):
        raise refuse(stmt, f"PATTERN ({text}): a pattern ending in an optional or greedy quantifier is not replayed "
                     "(Flink refuses greedy ones there)", node, "end the pattern with a plain variable or a "
                     "reluctant quantifier")
    return elements


# -- DEFINE conditions ---------------------------------------------------------------------------------------
class Context:
    """A partial match (its rows with their elements) and the row being tried as ``current``."""

    __slots__ = ("path", "row", "current")

    def __init__(self, path, row, current):
        self.path, self.row, self.current = path, row, current

    def rows_of(self, var: str | None) -> list:
        """Flink's list for a variable in DEFINE: its rows so far, plus the current row for the variable being
        defined; ``None``: every row so far (in pattern order) and the current one."""
        rows, link = [], self.path
        while link is not None:
            if var is None or link.var == var:
                rows.append((link.element, link.row))
            link = link.parent
        rows.reverse()  # row order: the pattern's order too, as no variable appears twice
        out = [r for _, r in rows]
        if var is None or var == self.current:
            out.append(self.row)
        return out


def compile_condition(node: exp.Expr, current: str, spec: MatchSpec, stmt) -> Callable[[Context], object]:
    """A DEFINE condition as a Python function of a Context (SQL's three-valued logic: None is NULL)."""
    variables = {e.var for e in spec.pattern}
    return _compile(node, current, variables, stmt)


def _column_ref(node: exp.Expr, variables: set[str], stmt):
    if isinstance(node, exp.Column):
        table = node.table or None
        if table is not None and table not in variables:
            raise refuse(stmt, f"{node.sql('flink')}: {table} is not a pattern variable", node)
        return table, node.name
    raise refuse(stmt, f"{node.sql('flink')}: navigation reads a column (var.column or column)", node)


def _offset(node: exp.Expr | None, stmt) -> int:
    if node is None:
        return 0
    if not (isinstance(node, exp.Literal) and not node.is_string and node.name.isdigit()):
        raise refuse(stmt, f"offset {node.sql('flink')}: only a constant number is replayed", node)
    return int(node.name)


def _compile(node: exp.Expr, current: str, variables: set[str], stmt) -> Callable:
    c = lambda child: _compile(child, current, variables, stmt)  # noqa: E731
    if isinstance(node, exp.Paren):
        return c(node.this)
    if isinstance(node, exp.Literal):
        value = node.name if node.is_string else _number(node.name)
        return lambda ctx: value
    if isinstance(node, exp.Boolean):
        value = node.this
        return lambda ctx: value
    if isinstance(node, exp.Null):
        return lambda ctx: None
    if isinstance(node, exp.Column):
        var, column = _column_ref(node, variables, stmt)
        if var is None or var == current:
            return lambda ctx: ctx.row.get(column)
        return _navigate(var, column, 0, False)
    if isinstance(node, exp.Anonymous) and node.name.upper() in ("PREV", "NEXT"):
        raise refuse(stmt, f"{node.name.upper()} is a physical offset, which Flink does not support (its job fails: "
                     "\"Flink does not support physical offsets within partition\")", node,
                     "use a logical offset: LAST(var.column, 1) is the variable's row before the current one")
    if isinstance(node, (exp.First, exp.Last)):
        var, column = _column_ref(node.this, variables, stmt)
        return _navigate(var, column, _offset(node.args.get("expression"), stmt), isinstance(node, exp.First))
    if isinstance(node, tuple(AGGREGATES)):
        return _aggregate(node, variables, stmt)
    binary = BINARY.get(type(node))
    if binary is not None:
        left, right = c(node.this), c(node.expression)
        return lambda ctx: binary(left(ctx), right(ctx))
    if isinstance(node, exp.And):
        left, right = c(node.this), c(node.expression)
        return lambda ctx: _and(left(ctx), right(ctx))
    if isinstance(node, exp.Or):
        left, right = c(node.this), c(node.expression)
        return lambda ctx: _or(left(ctx), right(ctx))
    if isinstance(node, exp.Not):
        inner = c(node.this)
        return lambda ctx: None if (v := inner(ctx)) is None else not v
    if isinstance(node, exp.Neg):
        inner = c(node.this)
        return lambda ctx: None if (v := inner(ctx)) is None else -v
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        inner = c(node.this)
        return lambda ctx: inner(ctx) is None
    if isinstance(node, exp.Between):
        value, low, high = c(node.this), c(node.args["low"]), c(node.args["high"])
        return lambda ctx: _and(_compare(value(ctx), low(ctx), lambda a, b: a >= b),
                                _compare(value(ctx), high(ctx), lambda a, b: a <= b))
    if isinstance(node, exp.In) and node.expressions and not node.args.get("query"):
        value, options = c(node.this), [c(o) for o in node.expressions]
        return lambda ctx: _in(value(ctx), [o(ctx) for o in options])
    if isinstance(node, exp.Interval):
        delta = datetime.timedelta(milliseconds=interval_ms(node, stmt))
        return lambda ctx: delta
    name = node.name.upper() if isinstance(node, exp.Anonymous) else type(node).__name__.upper()
    raise refuse(stmt, f"{name} in DEFINE is not replayed yet ({node.sql('flink')})", node)


def _navigate(var, column, offset, first):
    """``var.column`` (the variable's last row so far) and FIRST/LAST(var.column, n), as Flink computes them: the
    n-th of the variable's rows from the first or the last, the current row counted for the variable being
    defined (no variable: every row of the match so far and the current one)."""
    def get(ctx):
        rows = ctx.rows_of(var)
        index = offset if first else len(rows) - 1 - offset
        return rows[index].get(column) if 0 <= index < len(rows) else None
    return get


def _aggregate(node, variables, stmt):
    kind = AGGREGATES[type(node)]
    argument = node.this
    if isinstance(argument, exp.Star) and kind == "COUNT":
        return lambda ctx: len(ctx.rows_of(None))
    if node.args.get("distinct") or isinstance(argument, exp.Distinct):
        raise refuse(stmt, f"{kind}(DISTINCT ...) is not replayed", node)
    var, column = _column_ref(argument, variables, stmt)

    def value(ctx):
        values = [r.get(column) for r in ctx.rows_of(var)]
        values = [v for v in values if v is not None]
        if kind == "COUNT":
            return len(values)
        if not values:
            return None
        if kind == "SUM":
            return sum(values[1:], values[0])
        if kind == "MIN":
            return min(values)
        if kind == "MAX":
            return max(values)
        total = sum(values[1:], values[0])
        if isinstance(total, int):  # Flink's AVG of integers is an integer
            return int(total / len(values))
        return total / len(values)
    return value


def _number(text: str):
    if re.fullmatch(r"\d+", text):
        return int(text)
    return decimal.Decimal(text)


def _numbers(a, b):
    """Operands of mixed arithmetic: a DOUBLE with a DECIMAL is a DOUBLE (as in Flink)."""
    if isinstance(a, decimal.Decimal) and isinstance(b, float):
        return float(a), b
    if isinstance(b, decimal.Decimal) and isinstance(a, float):
        return a, float(b)
    return a, b


def _compare(a, b, op):
    if a is None or b is None:
        return None
    return op(*_numbers(a, b))


def _arith(op):
    def apply(a, b):
        if a is None or b is None:
            return None
        return op(*_numbers(a, b))
    return apply


def _divide(a, b):
    if isinstance(a, int) and isinstance(b, int):  # Java's integer division: toward zero
        quotient = abs(a) // abs(b)
        return quotient if (a < 0) == (b < 0) else -quotient
    return a / b


def _and(a, b):
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a, b):
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _in(value, options):
    if value is None:
        return None
    if any(o is not None and _compare(value, o, lambda x, y: x == y) for o in options):
        return True
    return None if any(o is None for o in options) else False


BINARY = {
    exp.EQ: lambda a, b: _compare(a, b, lambda x, y: x == y),
    exp.NEQ: lambda a, b: _compare(a, b, lambda x, y: x != y),
    exp.GT: lambda a, b: _compare(a, b, lambda x, y: x > y),
    exp.GTE: lambda a, b: _compare(a, b, lambda x, y: x >= y),
    exp.LT: lambda a, b: _compare(a, b, lambda x, y: x < y),
    exp.LTE: lambda a, b: _compare(a, b, lambda x, y: x <= y),
    exp.Add: _arith(lambda a, b: a + b),
    exp.Sub: _arith(lambda a, b: a - b),
    exp.Mul: _arith(lambda a, b: a * b),
    exp.Div: _arith(_divide),
}


# -- MEASURES -----------------------------------------------------------------------------------------------
def measure_query(spec: MatchSpec, table: str, stmt) -> exp.Select:
    """The matches' output (PARTITION BY columns, then MEASURES) as a Flink query over the match table: one
    group per match; FIRST/LAST/var.column pick a row by its position, aggregates filter on the variable."""
    variables = {e.var for e in spec.pattern}
    projections = [exp.column(c) for c in spec.partition_by]
    for name, node in spec.measures:
        projections.append(exp.alias_(_measure(node.copy(), variables, spec, stmt), name))
    group = [exp.column(MATCH_ID), *(exp.column(c) for c in spec.partition_by)]
    return exp.select(*projections).from_(table).group_by(*group)


def _pick(column: str, var: str | None, position: exp.Expr) -> exp.Expr:
    """The value of ``column`` in the match's row at ``position`` (of ``var``'s rows, or of all rows)."""
    index, count = (LABEL_INDEX, LABEL_COUNT) if var is not None else (INDEX, COUNT)
    where = exp.EQ(this=exp.column(index), expression=position(exp.column(count)))
    if var is not None:
        where = exp.and_(exp.EQ(this=exp.column(LABEL), expression=exp.Literal.string(var)), where)
    return exp.Filter(this=exp.Max(this=exp.column(column)), expression=exp.Where(this=where))


def _measure(node: exp.Expr, variables: set[str], spec: MatchSpec, stmt) -> exp.Expr:
    def last(n):
        return lambda count: exp.Sub(this=count, expression=exp.Literal.number(1 + n))

    def first(n):
        return lambda count: exp.Literal.number(n)

    def rewrite(inner: exp.Expr) -> exp.Expr:
        if isinstance(inner, (exp.First, exp.Last)):
            var, column = _column_ref(inner.this, variables, stmt)
            n = _offset(inner.args.get("expression"), stmt)
            return _pick(column, var, first(n) if isinstance(inner, exp.First) else last(n))
        if isinstance(inner, tuple(AGGREGATES)):
            argument = inner.this
            if inner.args.get("distinct") or isinstance(argument, exp.Distinct):
                raise refuse(stmt, f"{AGGREGATES[type(inner)]}(DISTINCT ...) is not replayed", inner)
            if isinstance(argument, exp.Star):
                return inner
            columns = list(argument.find_all(exp.Column))
            labels = {c.table for c in columns}
            if len(labels) > 1:
                raise refuse(stmt, f"{inner.sql('flink')}: an aggregate over several variables is not replayed", inner)
            var = labels.pop() if labels else ""
            if var and var not in variables:
                raise refuse(stmt, f"{inner.sql('flink')}: {var} is not a pattern variable", inner)
            plain = argument.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
            aggregate = type(inner)(this=plain)
            if not var:
                return aggregate
            label = exp.EQ(this=exp.column(LABEL), expression=exp.Literal.string(var))
            return exp.Filter(this=aggregate, expression=exp.Where(this=label))
        if isinstance(inner, exp.Column):
            var, column = _column_ref(inner, variables, stmt)
            return _pick(column, var, last(0))
        if isinstance(inner, exp.Anonymous) and inner.name.upper() == "MATCH_ROWTIME":
            if inner.expressions:
                raise refuse(stmt, "MATCH_ROWTIME(column) is not replayed (only MATCH_ROWTIME())", inner)
            return exp.Max(this=exp.column(MATCH_ROWTIME))
        if isinstance(inner, exp.Anonymous) and inner.name.upper() in ("PREV", "NEXT", "CLASSIFIER", "MATCH_NUMBER",
                                                                         "MATCH_PROCTIME", "RUNNING", "FINAL"):
            raise refuse(stmt, f"{inner.name.upper()} in MEASURES is not replayed", inner)
        if isinstance(inner, (exp.Window, exp.Subquery, exp.Select)):
            raise refuse(stmt, f"{type(inner).__name__.upper()} in MEASURES is not replayed", inner)
        return inner

    return _transform_outside_in(node, rewrite)


def _transform_outside_in(node: exp.Expr, rewrite) -> exp.Expr:
    """Rewrite the outermost nodes that ``rewrite`` changes, leaving their insides alone."""
    new = rewrite(node)
    if new is not node:
        return new
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expr):
            node.set(key, _transform_outside_in(value, rewrite))
        elif isinstance(value, list):
            node.set(key, [_transform_outside_in(v, rewrite) if isinstance(v, exp.Expr) else v for v in value])
    return node


# -- the matcher ---------------------------------------------------------------------------------------------
class Link:
    """A row taken into a partial match (a linked list back to its first row)."""

    __slots__ = ("row", "position", "var", "element", "parent")

    def __init__(self, row, position, var, element, parent):
        self.row, self.position, self.var, self.element, self.parent = row, position, var, element, parent


class Partial:
    """A partial (or completed) match: at ``element`` with ``count`` rows taken there."""

    __slots__ = ("element", "count", "path", "start", "start_time", "reported")

    def __init__(self, element, count, path, start, start_time):
        self.element, self.count, self.path, self.start, self.start_time = element, count, path, start, start_time
        self.reported = None  # the row (its index) at which the match was reported

    def rows(self) -> list[Link]:
        out, link = [], self.path
        while link is not None:
            out.append(link)
            link = link.parent
        return out[::-1]


class Matcher:
    """Flink's CEP over one partition's rows, in order."""

    def __init__(self, spec: MatchSpec, describe: str = "MATCH_RECOGNIZE"):
        self.spec = spec
        self.pattern = spec.pattern
        self.vars = tuple(e.var for e in self.pattern)
        self.describe = describe

    def _holds(self, element: int, partial_path, row) -> bool:
        condition = self.spec.conditions.get(self.vars[element])
        if condition is None:
            return True
        return condition(Context(partial_path, row, self.vars[element])) is True

    def _successors(self, element: int, count: int, path, row, position: int):
        """What one row makes of a partial match at (element, count): new partial matches and completed ones,
        as (element, count, path); the row taken by each."""
        taken, finals = [], []
        last = len(self.pattern) - 1
        stack = [(element, count)]
        while stack:
            i, k = stack.pop()
            blocked = k == 0 and i > 0 and self.pattern[i - 1].greedy_effect and self._holds(i - 1, path, row)
            if blocked:  # Flink's NFA: the state after a greedy one takes no row that the greedy one would take
                continue
            e = self.pattern[i]
            if k >= e.min and i < last:
                stack.append((i + 1, 0))
            if self._holds(i, path, row):
                link = Link(row, position, e.var, i, path)
                k2 = k + 1
                if e.max is not None and k2 == e.max:
                    if i == last:
                        finals.append((i + 1, 0, link))
                    else:
                        taken.append((i + 1, 0, link))
                    continue
                taken.append((i, k2, link))
                if i == last and k2 >= e.min and not e.greedy:
                    finals.append((i + 1, 0, link))  # a reluctant last variable ends the match right away
        return taken, finals

    def run(self, rows: list[dict], times: list) -> list[Partial]:
        """The matches of one partition's rows (in order), in the order Flink reports them."""
        within = self.spec.within_ms
        partials: list[Partial] = []
        completed: list[Partial] = []
        out: list[Partial] = []
        previous_time = None
        for position, (row, time) in enumerate(zip(rows, times)):
            if within is not None and time != previous_time:
                kept = [p for p in partials if _ms(time - p.start_time) < within]
                if len(kept) < len(partials) and completed and min(p.start for p in completed) \
                        <= min((p.start for p in kept), default=position):
                    raise EngineError(f"{self.describe}: a completed match waits behind a partial match that WITHIN "
                                      "drops; Flink reports such a match by its watermarks, not by the rows, so a "
                                      "replay cannot tell whether or when (a pattern whose partial matches end "
                                      "sooner avoids it)")
                partials = kept
            previous_time = time
            new_partials, finals = [], []
            for partial in partials:
                taken, done = self._successors(partial.element, partial.count, partial.path, row, position)
                new_partials += [Partial(i, k, link, partial.start, partial.start_time) for i, k, link in taken]
                finals += [Partial(i, k, link, partial.start, partial.start_time) for i, k, link in done]
            taken, done = self._successors(0, 0, None, row, position)
            new_partials += [Partial(i, k, link, position, time) for i, k, link in taken]
            finals += [Partial(i, k, link, position, time) for i, k, link in done]
            partials = new_partials
            completed += finals
            self._release(partials, completed, out, position)
        if within is not None and completed:
            raise EngineError(f"{self.describe}: a completed match still waits behind a partial match at the end "
                              "of input, which WITHIN times out; Flink reports such a match by its watermarks, not "
                              "by the rows, so a replay cannot tell whether or when")
        return out

    def _release(self, partials: list[Partial], completed: list[Partial], out: list[Partial], position: int) -> None:
        while completed:
            earliest = min(p.start for p in completed)
            if partials and min(p.start for p in partials) < earliest:
                return  # a partial match that started earlier goes first
            candidates = [p for p in completed if p.start == earliest]
            match = candidates[0]
            if len(candidates) > 1:
                self._refuse_tie(candidates)
            completed.remove(match)
            match.reported = position
            out.append(match)
            self._prune(match, partials)
            self._prune(match, completed)

    def _prune(self, match: Partial, states: list[Partial]) -> None:
        kind, var = self.spec.skip
        links = match.rows()
        if kind == "PAST LAST ROW":
            pruning, strict = links[-1].position, False
        elif kind == "TO NEXT ROW":
            pruning, strict = links[0].position, False
        else:
            mine = [link.position for link in links if link.var == var]
            if not mine:
                raise EngineError(f"{self.describe}: AFTER MATCH SKIP {kind} {var}: a match without a row of {var} "
                                  "makes Flink's job fail (Could not skip to ...), so a replay has no result")
            pruning = mine[0] if kind == "TO FIRST" else mine[-1]
            if pruning == links[0].position:
                raise EngineError(f"{self.describe}: AFTER MATCH SKIP {kind} {var} skips to the first row of a "
                                  "match, which makes Flink's job fail (Could not skip to first element of a match)")
            strict = True
        states[:] = [s for s in states if not (s.start < pruning or (not strict and s.start == pruning))]

    def _refuse_tie(self, candidates: list[Partial]) -> None:
        shapes = {tuple((link.position, link.var) for link in c.rows()) for c in candidates}
        if len(shapes) > 1:
            raise EngineError(f"{self.describe}: two matches start at one row and end at the same row with the "
                              "variables on other rows; Flink reports either (its queue's order), so a replay "
                              "cannot tell which (make the DEFINE conditions exclusive)")


def _ms(delta) -> float:
    if isinstance(delta, datetime.timedelta):
        return delta / datetime.timedelta(milliseconds=1)
    return float(delta)


# -- the engine's side: a match table filled from the input's rows -------------------------------------------
def fill_match_table(con, relation) -> None:
    """Create ``relation.name`` in the DuckDB connection ``con``: the input's columns and MATCH_COLUMNS, one row
    per matched row, for the matches Flink would report (``relation``: a translate.MatchRelation)."""
    import pyarrow as pa

    from streamscore.engines.duckdb import ident as quote

    spec, name = relation.spec, relation.name
    describe = f"{relation.statement.path}:{relation.statement.line}: MATCH_RECOGNIZE"
    keys = [quote(c) for c in spec.partition_by]
    order = keys + [f"{quote(c)} {'DESC' if desc else 'ASC'} NULLS FIRST" for c, desc in spec.order_by]
    if relation.arrival:
        order.append("__arrival")
    else:  # arrival order is not known here: rows tied on every key make Flink's order unknown
        tied = con.execute(f"SELECT count(*) FROM (SELECT count(*) AS n FROM ({relation.input_sql}) GROUP BY "
                           f"{', '.join(keys + [quote(c) for c, _ in spec.order_by])}) WHERE n > 1").fetchone()[0]
        if tied:
            raise EngineError(f"{describe}: rows of its input tie on the PARTITION BY and ORDER BY columns; Flink "
                              "orders them by arrival, which this replay cannot see through a view or subquery "
                              "(order by a unique column too, or match over the source table)")
    source = f"{name}__input"
    con.execute(f"CREATE OR REPLACE TEMPORARY TABLE {quote(source)} AS SELECT *, row_number() OVER "
                f"(ORDER BY {', '.join(order)}) - 1 AS __row FROM ({relation.input_sql})").fetchall()
    cursor = con.execute(f"SELECT * FROM {quote(source)} ORDER BY __row")
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, values)) for values in cursor.fetchall()]
    matcher = Matcher(spec, describe)
    out = {c: [] for c in ("__row", "__reported", *MATCH_COLUMNS)}
    match_id = 0
    start = 0
    while start < len(rows):  # one partition at a time (rows are sorted by the partition's keys first)
        key = tuple(rows[start][c] for c in spec.partition_by)
        end = start
        while end < len(rows) and tuple(rows[end][c] for c in spec.partition_by) == key:
            end += 1
        part = rows[start:end]
        for match in matcher.run(part, [r[spec.rowtime] for r in part]):
            links = match.rows()
            counts: dict[str, int] = {}
            for link in links:
                counts[link.var] = counts.get(link.var, 0) + 1
            seen: dict[str, int] = {}
            for index, link in enumerate(links):
                out["__row"].append(link.row["__row"])
                out["__reported"].append(part[match.reported]["__row"])
                out[MATCH_ID].append(match_id)
                out[LABEL].append(link.var)
                out[LABEL_INDEX].append(seen.get(link.var, 0))
                out[LABEL_COUNT].append(counts[link.var])
                out[INDEX].append(index)
                out[COUNT].append(len(links))
                seen[link.var] = seen.get(link.var, 0) + 1
            match_id += 1
        start = end
    arrow = pa.table({c: pa.array(v, type=pa.string() if c == LABEL else pa.int64()) for c, v in out.items()})
    con.register(f"{name}__rows", arrow)
    hidden = "__row, __arrival" if relation.arrival else "__row"
    con.execute(f"CREATE OR REPLACE TEMPORARY TABLE {quote(name)} AS SELECT i.* EXCLUDE ({hidden}), "
                f"{', '.join('m.' + c for c in MATCH_COLUMNS)}, r.{quote(spec.rowtime)} AS {MATCH_ROWTIME} "
                f"FROM {quote(name + '__rows')} AS m JOIN {quote(source)} AS i ON m.__row = i.__row "
                f"JOIN {quote(source)} AS r ON m.__reported = r.__row").fetchall()
    con.unregister(f"{name}__rows")
    con.execute(f"DROP TABLE {quote(source)}").fetchall()
