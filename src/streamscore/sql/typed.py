"""Typed rewrites: after the query is qualified and annotated with types, the rules whose meaning depends
on them (``TYPED_REWRITES``, node type -> rule): Flink's result types and Java's arithmetic.
"""

from __future__ import annotations

import re
from typing import Callable

import sqlglot
from sqlglot import exp

from streamscore.errors import TranslationError
from streamscore.sql.dialect import decimal_precision
from streamscore.sql.functions import duckdb_node
from streamscore.sql.nested import ARRIVAL_AGGREGATE


def _is(node: exp.Expr, *types) -> bool:
    return node.type is not None and node.type.is_type(*types)


TIMESTAMPS = (exp.DType.TIMESTAMP, exp.DType.TIMESTAMPNTZ, exp.DType.TIMESTAMP_MS, exp.DType.TIMESTAMP_S,
              exp.DType.TIMESTAMP_NS)
FRACTIONAL = (exp.DType.DOUBLE, exp.DType.FLOAT, exp.DType.DECIMAL)
INTEGER_BITS = {exp.DType.TINYINT: 8, exp.DType.SMALLINT: 16, exp.DType.INT: 32, exp.DType.BIGINT: 64}


def typed_rewrite(node: exp.Expr) -> exp.Expr:
    """A refusal found here (a TranslationError) has no statement to be placed in: the node it was found at
    rides along as ``error.node``, for the caller to place it (Statement.error)."""
    rule = TYPED_REWRITES.get(type(node))
    if rule is None:
        return node
    try:
        return rule(node)
    except TranslationError as error:
        if getattr(error, "node", None) is None:
            error.node = node
        raise


def _modulo(node: exp.Mod) -> exp.Expr:
    if _is(node.this, exp.DType.DOUBLE, exp.DType.FLOAT) or _is(node.expression, exp.DType.DOUBLE, exp.DType.FLOAT):
        raise TranslationError(f"{node.sql('duckdb')}: Flink's MOD and % take exact numbers only")
    return node


def _integer_division(node: exp.Div) -> exp.Expr:
    # Flink: INT / INT is an INT, truncated toward zero (DuckDB's // truncates too).
    if _is(node.this, *INTEGER_BITS) and _is(node.expression, *INTEGER_BITS):
        return exp.IntDiv(this=node.this, expression=node.expression)
    if node.find(exp.Column) is None and isinstance(node.expression, exp.Literal) \
            and node.expression.name in ("0", "0.0"):
        raise TranslationError(f"{node.sql('duckdb')}: Flink's planner fails on a constant divided by zero")
    left, right = _exact(node.this), _exact(node.expression)
    if left and right:
        return _decimal_division(node, left, right)
    return node


def _exact(node: exp.Expr) -> tuple[int, int] | None:
    """(precision, scale) of an exact number as Flink types it (a literal 1.50 is a DECIMAL(3, 2))."""
    if _integer_type(node):
        return {8: (3, 0), 16: (5, 0), 32: (10, 0), 64: (19, 0)}[INTEGER_BITS[_integer_type(node)]]
    if _decimal_literal(node):
        literal = node
        while isinstance(literal, (exp.Neg, exp.Paren)):
            literal = literal.this
        # Calcite's rule: every digit written counts toward the precision (0.001 is a DECIMAL(4, 3)).
        whole, _, fraction = literal.name.partition(".")
        return max(len(whole + fraction), 1), len(fraction)
    if _is(node, exp.DType.DECIMAL):
        return decimal_precision(node.type)
    return None


def _unscaled(sql: str) -> str:
    """A DECIMAL(p, s) (or an integer) as its unscaled HUGEINT: its text without the point."""
    return f"CAST(replace(CAST({sql} AS VARCHAR), '.', '') AS HUGEINT)"


def _decimal_division(node: exp.Div, left: tuple[int, int], right: tuple[int, int]) -> exp.Expr:
    """Flink's exact DECIMAL division: scale max(6, s1 + p2 + 1) (fewer past 38 digits), rounded half up.
    DuckDB would divide as doubles. Computed on unscaled HUGEINTs; a zero divisor fails, as in Flink."""
    (p1, s1), (p2, s2) = left, right
    scale = max(6, s1 + p2 + 1)
    precision = p1 - s1 + s2 + scale
    precision, scale = _within_38_digits(precision, scale)
    shift = scale - s1 + s2

    def operand(side: exp.Expr, precision: int, scale: int) -> str:
        # In the type Flink gives it (a literal 1.50 is a DECIMAL(3, 2)), so that its text has `scale` digits.
        sql = side.sql("duckdb")
        return sql if _integer_type(side) else f"CAST({sql} AS DECIMAL({precision}, {scale}))"

    a, b = operand(node.this, p1, s1), operand(node.expression, p2, s2)
    numerator = f"({_unscaled(a)} * CAST({10 ** max(shift, 0)} AS HUGEINT))"
    denominator = f"({_unscaled(b)} * CAST({10 ** max(-shift, 0)} AS HUGEINT))"
    quotient = (f"({numerator} // {denominator} + CASE WHEN 2 * abs({numerator} % {denominator}) >= abs({denominator}) "
                f"THEN sign({numerator}) * sign({denominator}) ELSE 0 END)")
    new = duckdb_node(_decimal_of_unscaled(quotient, precision, scale))
    new.type = exp.DataType.build(f"DECIMAL({precision}, {scale})")
    return new


def _decimal_of_unscaled(unscaled: str, precision: int, scale: int) -> str:
    """A HUGEINT of unscaled digits as the DECIMAL(precision, scale) it stands for, exactly (through its text:
    DuckDB would divide by a power of ten as doubles)."""
    whole = f"CAST(abs({unscaled}) AS VARCHAR)"
    digits = f"(repeat('0', greatest(0, {scale + 1} - length({whole}))) || {whole})"  # lpad would cut it
    text = (f"CASE WHEN {unscaled} < 0 THEN '-' ELSE '' END || left({digits}, length({digits}) - {scale}) || '.' || "
            f"right({digits}, {scale})") if scale else f"CAST({unscaled} AS VARCHAR)"
    return f"CAST({text} AS DECIMAL({precision}, {scale}))"


# An aggregate call is the function with its FILTER and OVER around it: a rewrite that wraps the
# aggregate's result must wrap the whole call (`CAST(AVG(x) OVER w AS ...)`, not `CAST(AVG(x)) OVER w`).
AGGREGATE_WRAPPERS = (exp.Filter, exp.Window)


def _is_aggregate_wrapper_of(parent: exp.Expr | None, node: exp.Expr) -> bool:
    return isinstance(parent, AGGREGATE_WRAPPERS) and parent.this is node


def _aggregate_call(node: exp.Expr) -> exp.Expr:
    """The aggregate function inside a FILTER/OVER call (the node itself when it is not one)."""
    while isinstance(node, AGGREGATE_WRAPPERS):
        node = node.this
    return node


def _average(node: exp.Expr) -> exp.Expr:
    # Flink: AVG of integers is an integer of the same type, truncated toward zero.
    if _is_aggregate_wrapper_of(node.parent, node):
        return node  # rewritten with its FILTER/OVER
    avg = _aggregate_call(node)
    if isinstance(avg, exp.Avg) and _is(avg.this, *INTEGER_BITS):
        return exp.cast(exp.func("trunc", node.copy()), avg.this.type.copy())
    return node


STRINGS = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR)
MAX_DECIMAL_PRECISION = 38


# -- STDDEV_POP / STDDEV_SAMP (STDDEV) / VAR_POP / VAR_SAMP (VARIANCE) -------------------------------------
# Flink 2.3 plans them in two ways (seen in its plans), and the result has the argument's type:
# - a group or window aggregate: Welford's M2 (a DOUBLE) and the count; VAR_POP is CAST(M2 / n AS <type>),
#   STDDEV_POP CAST(POWER(M2 / n, 0.5) AS <type>), the _SAMP ones divide by n - 1 (NULL for one row); a
#   DECIMAL argument gives a DECIMAL(38, 6). An integer result is the double cut toward zero (Java's cast).
#   Over a source table read directly the replay runs Flink's own Welford in arrival (file) order, bit for
#   bit; elsewhere (window TVFs, subqueries) DuckDB's statistic, equal to a few ulps, so an integer or
#   DECIMAL result fails where the value is so close to a whole number (a rounding boundary) that the ulps
#   could decide it. A DOUBLE result is DuckDB's (compared with a tolerance).
# - an OVER aggregate: Calcite's textbook reduction in the argument's own type,
#   (SUM(x * x) - SUM(x) * SUM(x) / COUNT(x)) / COUNT(x): integers wrap and divide toward zero.
STATISTICS = {exp.StddevPop: (False, True), exp.StddevSamp: (True, True), exp.Stddev: (True, True),
              exp.VariancePop: (False, False), exp.Variance: (True, False)}  # (sample, square root)
NEAR_INTEGER = 1e-10  # relative: far beyond the ulps by which two summation orders differ (for moderate n)


def _statistic(node: exp.Expr) -> exp.Expr:
    if _is_aggregate_wrapper_of(node.parent, node):
        return node  # rewritten with its FILTER/OVER
    aggregate = _aggregate_call(node)
    if type(aggregate) not in STATISTICS:
        return node
    name = aggregate.sql_name() if hasattr(aggregate, "sql_name") else type(aggregate).__name__.upper()
    value = aggregate.this
    if isinstance(value, exp.Distinct):
        raise TranslationError(f"{name}(DISTINCT ...) is not replayed yet")
    if _unknown(value):
        raise TranslationError(f"{name} of a value whose type the replay does not know cannot be replayed "
                               "(Flink's result takes the argument's type)")
    if isinstance(node, exp.Window):
        if isinstance(node.this, exp.Filter):
            raise TranslationError(f"{name} with FILTER in an OVER window is not replayed yet")
        return _statistic_over(node, aggregate, name)
    return _statistic_aggregate(node, aggregate, name)


def _statistic_aggregate(call: exp.Expr, aggregate: exp.Expr, name: str) -> exp.Expr:
    """A group or window aggregate in Flink's type: Flink's Welford where file order is known and the last bits
    matter, DuckDB's own statistic over the argument as a DOUBLE otherwise."""
    sample, root = STATISTICS[type(aggregate)]
    value = aggregate.this
    source = _direct_table(call)
    if source is not None and (_integer_type(value) or _is(value, exp.DType.DECIMAL)):
        # Where the last bits decide an integer or a decimal digit. (A DOUBLE's is compared with a tolerance;
        # DuckDB's own statistic also reads views, where rowid is not known.)
        return _welford(call, aggregate, source, name)
    call = call.copy()
    inner = _aggregate_call(call)
    inner.set("this", exp.cast(value.copy(), exp.DType.DOUBLE))
    v = call.sql("duckdb")
    finite = (f"WHEN isinf({v}) OR isnan({v}) THEN error('{name}: the values overflow a DOUBLE, where Flink "
              f"and the replay may overflow differently') ")
    if _is(value, exp.DType.DOUBLE):
        return _typed_node(f"CASE {finite}ELSE {v} END", exp.DataType.build("DOUBLE"))
    if _is(value, exp.DType.FLOAT):
        return _typed_node(f"CAST(CASE {finite}ELSE {v} END AS FLOAT)", exp.DataType.build("FLOAT"))
    if _is(value, exp.DType.DECIMAL):
        return _decimal_of_double(f"CASE {finite}ELSE {v} END", name)
    kind = _integer_type(value)
    if kind is None:
        raise TranslationError(f"{name} of a {value.type.sql()} fails in Flink (it takes numbers)")
    double = _typed_node(v, exp.DataType.build("DOUBLE"))
    narrowed = _cast(exp.Cast(this=double, to=exp.DataType.build(kind))).sql("duckdb")
    # Up to two values Welford's M2 is exact in both (half the squared difference), so a whole number is safe.
    counted = _with_aggregate(call, exp.Count(this=value.copy()))
    near = f"abs({v} - round({v})) <= {NEAR_INTEGER} * greatest(1, abs({v}))"
    return _typed_node(
        f"CASE WHEN {counted.sql('duckdb')} > 2 AND {v} <> 0 AND {near} THEN "
        f"error('{name} of integers: Flink cuts its DOUBLE result to an integer and this value is (nearly) a whole "
        f"number, where the last bits decide the result: cast the argument to DOUBLE') ELSE {narrowed} END",
        exp.DataType.build(kind))


def _with_aggregate(call: exp.Expr, aggregate: exp.Expr) -> exp.Expr:
    """A copy of an aggregate call (with its FILTER/OVER) calling ``aggregate`` instead."""
    if not isinstance(call, AGGREGATE_WRAPPERS):
        return aggregate
    call = call.copy()
    _aggregate_call(call).replace(aggregate)
    return call


ARRIVAL_ORDER = "arrival_order"  # meta of a source table read from its file: its rowid is arrival order


def _direct_table(node: exp.Expr) -> exp.Table | None:
    """The source table the SELECT around ``node`` reads directly (no join, no subquery, not a view: the
    translator marks it), whose rowid is its file order."""
    select = node.find_ancestor(exp.Select)
    source = select.args["from_"].this if select is not None and select.args.get("from_") else None
    return source if isinstance(source, exp.Table) and source.meta.get(ARRIVAL_ORDER) \
        and not select.args.get("joins") else None


def _welford(call: exp.Expr, aggregate: exp.Expr, source: exp.Table, name: str) -> exp.Expr:
    """Flink's own computation, bit for bit: its WelfordM2AggFunction over the values in arrival order (file
    order), n += 1; delta = x - mean; mean += delta / n; m2 += delta * (x - mean), in DOUBLE; then Flink's
    plan: m2 / n (or n - 1; NULL for one value), POWER(..., 0.5) for STDDEV, cast to the argument's type."""
    sample, root = STATISTICS[type(aggregate)]
    value = aggregate.this
    rowid = exp.column("rowid", table=source.alias_or_name).sql("duckdb")
    values = _with_aggregate(call, duckdb_node(f"list(CAST({value.sql('duckdb')} AS DOUBLE) ORDER BY {rowid})"))
    mean = "(acc.mean + (x - acc.mean) / (acc.n + 1))"
    state = (f"list_reduce(list_filter({values.sql('duckdb')}, lambda e: e IS NOT NULL), lambda acc, x: "
             f"{{'n': acc.n + 1, 'mean': {mean}, 'm2': acc.m2 + (x - acc.mean) * (x - {mean})}}, "
             f"{{'n': CAST(0 AS BIGINT), 'mean': CAST(0 AS DOUBLE), 'm2': CAST(0 AS DOUBLE)}})")
    divisor = "CASE WHEN w.n = 1 THEN NULL ELSE w.n - 1 END" if sample else "w.n"
    result = f"(CASE WHEN w.n > 0 AND w.m2 >= 0 THEN w.m2 / ({divisor}) END)"
    if root:
        result = f"pow({result}, 0.5)"
    # the state computed once, read by a lambda
    double = _typed_node(f"list_transform([{state}], lambda w: {result})[1]", exp.DataType.build("DOUBLE"))
    if _is(value, exp.DType.DECIMAL):
        return _decimal_of_double(double.sql("duckdb"), name)
    return _cast(exp.Cast(this=double, to=exp.DataType.build(_integer_type(value))))


def _decimal_of_double(v: str, name: str) -> exp.Expr:
    """Flink's CAST(<double> AS DECIMAL(38, 6)), refused near a rounding boundary (where Java's decimal text of
    the double and DuckDB's binary value could round apart) and for values too large to hold 6 exact digits."""
    scaled = f"({v} * 1000000)"
    return _typed_node(
        f"CASE WHEN abs({scaled} - floor({scaled}) - 0.5) <= 1e-9 + abs({scaled}) * {NEAR_INTEGER / 10} "
        f"THEN error('{name} of a DECIMAL: Flink rounds a DOUBLE to DECIMAL(38, 6) and this value lies too close "
        f"to a rounding boundary (or is too large) for the replay to round it as Flink does: cast the argument "
        f"to DOUBLE') ELSE CAST({v} AS DECIMAL(38, 6)) END", exp.DataType.build("DECIMAL(38, 6)"))


def _statistic_over(window: exp.Window, aggregate: exp.Expr, name: str) -> exp.Expr:
    """An OVER aggregate: Flink's reduction, in the argument's type (DOUBLE, or integers as Java computes)."""
    sample, root = STATISTICS[type(aggregate)]
    value = aggregate.this
    x = value.sql("duckdb")

    def over(function: str) -> str:
        copy = window.copy()
        copy.set("this", duckdb_node(function))
        return copy.sql("duckdb")

    count = over(f"count({x})")
    divisor = f"CASE WHEN {count} = 1 THEN NULL ELSE {count} - 1 END" if sample else count
    if _is(value, exp.DType.DOUBLE):
        s1, s2 = over(f"sum({x})"), over(f"sum({x} * {x})")
        variance = f"((({s2}) - ({s1}) * ({s1}) / ({count})) / ({divisor}))"
        return _typed_node(f"pow({variance}, 0.5)" if root else variance, exp.DataType.build("DOUBLE"))
    if _is(value, exp.DType.DECIMAL):
        return _decimal_statistic_over(over, value, count, sample, root, name)
    kind = _integer_type(value)
    if kind is None:
        raise TranslationError(f"{name} of a {value.type.sql()} in an OVER window is not replayed yet (Flink computes "
                               "it in the argument's type: cast the argument to DOUBLE)")

    def wrap(sql: str) -> str:
        return _wrapped(sql, kind).sql("duckdb")

    def divide(numerator: str, denominator: str) -> str:  # Java's: toward zero, a zero divisor fails
        return (f"CASE WHEN ({numerator}) IS NULL OR ({denominator}) IS NULL THEN NULL WHEN ({denominator}) = 0 "
                f"THEN error('{name}: / by zero (Flink divides by the count in the argument''s type)') "
                f"ELSE CAST({numerator} AS HUGEINT) // CAST({denominator} AS HUGEINT) END")

    wide = f"CAST({x} AS HUGEINT)"
    s1 = wrap(over(f"sum({wide})"))
    s2 = wrap(over(f"sum({wrap(f'{wide} * {wide}')})"))
    n = wrap(f"CAST({count} AS HUGEINT)")
    mean_square = divide(wrap(f"CAST({s1} AS HUGEINT) * CAST({s1} AS HUGEINT)"), n)
    difference = wrap(f"CAST({s2} AS HUGEINT) - CAST({mean_square} AS HUGEINT)")
    variance = wrap(divide(difference, divisor if sample else n))
    if not root:
        return _typed_node(variance, exp.DataType.build(kind))
    double = _typed_node(f"pow(CAST({variance} AS DOUBLE), 0.5)", exp.DataType.build("DOUBLE"))
    return _cast(exp.Cast(this=double, to=exp.DataType.build(kind)))


def _decimal_statistic_over(over: Callable[[str], str], value: exp.Expr, count: str, sample: bool, root: bool,
                            name: str) -> exp.Expr:
    """The reduction over a DECIMAL(p, s) as Flink computes it: the sums (exact) as DECIMAL(38, 6), each product
    and quotient rounded half up to 6 digits (Flink's DECIMAL(38, 6) arithmetic), here on unscaled HUGEINTs;
    STDDEV is POWER(..., 0.5) of that, a DOUBLE cast back to DECIMAL(38, 6)."""
    precision, scale = decimal_precision(value.type)
    if scale > 3 or precision > 18:
        raise TranslationError(f"{name} of a {value.type.sql()} in an OVER window is not replayed yet (Flink rounds "
                               "its squares there: cast the argument to DOUBLE)")
    x = f"CAST({value.sql('duckdb')} * {10 ** scale} AS HUGEINT)"  # unscaled at its own scale
    s1 = f"(CAST({over(f'sum({x})')} AS HUGEINT) * {10 ** (6 - scale)})"  # unscaled at scale 6
    s2 = f"(CAST({over(f'sum({x} * {x})')} AS HUGEINT) * {10 ** (6 - 2 * scale)})"
    n = f"CAST({count} AS HUGEINT)"

    def half_up(numerator: str, denominator: str) -> str:  # Java's RoundingMode.HALF_UP of a quotient
        return f"(sign({numerator}) * ((2 * abs({numerator}) + {denominator}) // (2 * {denominator})))"

    difference = f"({s2} - {half_up(half_up(f'{s1} * {s1}', '1000000'), n)})"
    divisor = f"CASE WHEN {n} = 1 THEN NULL ELSE {n} - 1 END" if sample else n
    unscaled = f"CASE WHEN {n} = 0 THEN NULL ELSE {half_up(difference, f'({divisor})')} END"
    variance = _decimal_of_unscaled(f"({unscaled})", 38, 6)
    if root:
        return _decimal_of_double(f"pow(CAST({variance} AS DOUBLE), 0.5)", name)
    return _typed_node(variance, exp.DataType.build("DECIMAL(38, 6)"))


# -- LAG, FIRST_VALUE, LAST_VALUE ----------------------------------------------------------------------------
# Flink's OVER windows order rows by event time; rows with equal times are taken in arrival order (ROWS frames:
# translate.py breaks such ties by file order) or together (RANGE frames, and LAG, which takes no frame: it
# answers for the last of the tied rows). FIRST_VALUE and LAST_VALUE skip NULLs. LAG's default must have the
# value's type, and where the row at the offset holds NULL, Flink 2.3 gives neither NULL nor the default
# reliably (-1.0 for a default of 0.0 was seen): the replay fails there.
def _window_function(node: exp.Window) -> exp.Expr:
    function = node.this
    if not isinstance(function, (exp.Lag, exp.FirstValue, exp.LastValue)):
        return node
    name = function.sql_name() if hasattr(function, "sql_name") else type(function).__name__.upper()
    spec = node.args.get("spec")
    rows = spec is not None and str(spec.args.get("kind")).upper() == "ROWS"
    new = node.copy()
    if isinstance(function, exp.Lag):
        sql = _lag(new, function, name)
    else:
        new.set("this", exp.IgnoreNulls(this=function.copy()))
        sql = new.sql("duckdb")
    if not rows:
        # A tie decides the rows after it too (their LAG or frame reaches into it): any tie in the partition fails.
        partition, order = _window_keys(node)
        if len(order) != 1:
            raise TranslationError(f"{name} OVER (...) ordered by more than the event time is not Flink's")
        within = f"PARTITION BY {', '.join(k.sql('duckdb') for k in partition)}" if partition else ""
        time = order[0].sql("duckdb")
        sql = (f"CASE WHEN count({time}) OVER ({within}) <> count(DISTINCT {time}) OVER ({within}) THEN "
               f"error('{name} OVER (...): rows tie on the window''s ordering, which Flink takes together in arrival "
               f"order (the last of them decides): a replay cannot see it here') ELSE {sql} END")
    return _typed_node(sql, (function.this.type or exp.DataType.build("UNKNOWN")).copy())


def _lag(window: exp.Window, function: exp.Lag, name: str) -> str:
    value, offset, default = function.this, function.args.get("offset"), function.args.get("default")
    if offset is not None and not (isinstance(offset, exp.Literal) and not offset.is_string and offset.name.isdigit()):
        raise TranslationError(f"{name}'s offset must be a constant of 0 or more to be replayed (Flink fails on a "
                               "negative one when the job runs)")
    if default is None:
        return window.sql("duckdb")
    same = (_is(value, *STRINGS) and _is(default, *STRINGS)) or (
        not _unknown(value) and not _unknown(default) and value.type.sql() == default.type.sql())
    if not same:
        raise TranslationError(f"{name}'s default ({default.sql('duckdb')}) must have the type of its value "
                               f"({'unknown' if _unknown(value) else value.type.sql()}): Flink's planner fails "
                               "otherwise (\"Please explicitly cast default value ...\")")
    held = window.copy()
    step = (offset or exp.Literal.number(1)).copy()
    held.set("this", exp.Lag(this=exp.Is(this=value.copy(), expression=exp.Null()), offset=step))
    return (f"CASE WHEN {held.sql('duckdb')} THEN error('{name} with a default, where the row at the offset holds "
            f"NULL: Flink gives neither NULL nor the default reliably there, so the replay cannot reproduce it') "
            f"ELSE {window.sql('duckdb')} END")


def _window_keys(node: exp.Window) -> tuple[list[exp.Expr], list[exp.Expr]]:
    """The PARTITION BY and ORDER BY expressions of an OVER clause, a named window's (WINDOW w AS ...) too."""
    partition = list(node.args.get("partition_by") or [])
    order = [o.this for o in (node.args["order"].expressions if node.args.get("order") else [])]
    select = node.find_ancestor(exp.Select)
    name = node.alias if isinstance(node.args.get("alias"), exp.Identifier) else None
    for named in (select.args.get("windows") or []) if select is not None and name else []:
        if named.this.name == name:
            partition = partition or list(named.args.get("partition_by") or [])
            order = order or [o.this for o in (named.args["order"].expressions if named.args.get("order") else [])]
    if not order:
        raise TranslationError(f"{node.this.sql('duckdb')} OVER (...) needs ORDER BY the event time")
    return partition, order


def _first_last(node: exp.Expr) -> exp.Expr:
    """FIRST_VALUE / LAST_VALUE as a group aggregate: streaming Flink takes the first / last non-NULL value in
    arrival order, which the replay knows as file order over a source table read directly (elsewhere the
    translation refuses it: Translator._arrival_order)."""
    if isinstance(node.parent, exp.Window) and node.parent.this is node:
        return node  # an OVER window function (_window_function)
    if len(node.expressions) > 0 or node.args.get("order") is not None:
        raise TranslationError(f"{type(node).__name__.upper()} with more than one argument is not replayed")
    taken = "first" if isinstance(node, exp.FirstValue) else "last"
    sql = f"{taken}(__value ORDER BY rowid) FILTER (WHERE __value IS NOT NULL)"
    tree = sqlglot.parse_one(sql, read="duckdb").transform(
        lambda n: node.this.copy() if isinstance(n, exp.Column) and n.name == "__value" else n)
    tree.this.meta[ARRIVAL_AGGREGATE] = True
    tree.type = (node.this.type or exp.DataType.build("UNKNOWN")).copy()
    return tree


def _aggregate_wrapper(node: exp.Expr) -> exp.Expr:
    """FILTER / OVER around an aggregate: the rules that rewrite the whole call."""
    for rule in (_average, _statistic):
        new = rule(node)
        if new is not node:
            return new
    return _window_function(node) if isinstance(node, exp.Window) else node


def _typed_node(sql: str, kind: exp.DataType) -> exp.Expr:
    new = duckdb_node(sql)
    new.type = kind
    return new


def _integer_type(node: exp.Expr) -> exp.DType | None:
    return next((t for t in INTEGER_BITS if _is(node, t)), None)


def _wrapped(sql: str, kind: exp.DType) -> exp.Expr:
    """An integer computed without overflow (in HUGEINT), wrapped into ``kind`` as Java's arithmetic does:
    Flink's INT 2147483647 + 1 is -2147483648 where DuckDB raises an error."""
    modulus, half = 2 ** INTEGER_BITS[kind], 2 ** (INTEGER_BITS[kind] - 1)
    name = exp.DataType.build(kind).sql("duckdb")
    new = duckdb_node(f"CAST(((({sql}) + {half}) % {modulus} + {modulus}) % {modulus} - {half} AS {name})")
    new.type = exp.DataType.build(kind)
    return new


def _within_38_digits(precision: int, scale: int) -> tuple[int, int]:
    """Flink's DECIMAL(precision, scale) of a result: past 38 digits it keeps the whole digits and gives up
    scale, down to 6 (DuckDB would keep the scale)."""
    if precision <= MAX_DECIMAL_PRECISION:
        return precision, scale
    return MAX_DECIMAL_PRECISION, max(MAX_DECIMAL_PRECISION - (precision - scale), min(scale, 6))


def _arithmetic(node: exp.Expr) -> exp.Expr:
    """+, - and * with Flink's result types: a DATE plus an interval stays a DATE, integers wrap around on
    overflow, decimals past 38 digits lose scale."""
    left, right = node.this, node.expression
    if _unknown(node) and not isinstance(node, exp.Mul):  # a timestamp the typed rules made (see _anonymous)
        for side in (left, right):
            if _is(side, *TIMESTAMPS):
                node.type = side.type.copy()
    dates = [side for side in (left, right) if _is(side, exp.DType.DATE)]
    if len(dates) == 1 and not isinstance(node, exp.Mul):
        other = right if dates[0] is left else left
        months = any(f.name.lower() == "to_months" for f in other.find_all(exp.Anonymous)) or any(
            i.args.get("unit") is not None and i.unit.name.upper() in ("MONTH", "YEAR", "QUARTER")
            for i in other.find_all(exp.Interval))
        if not months and other is right and (_is(other, exp.DType.INTERVAL) or other.find(exp.Interval) is not None
                                              or other.find(exp.Anonymous) is not None):
            # Flink adds a day-time interval's whole days (toward zero) to a DATE: DATE - 1 second is the DATE.
            operator = "+" if isinstance(node, exp.Add) else "-"
            new = duckdb_node(f"CAST({left.sql('duckdb')} {operator} to_days(CAST(trunc(epoch({right.sql('duckdb')}) "
                              f"/ 86400) AS INTEGER)) AS DATE)")
            new.type = exp.DataType.build("DATE")
            return new
        if _is(other, exp.DType.INTERVAL) or other.find(exp.Interval) is not None \
                or any(f.name.lower() == "to_months" for f in other.find_all(exp.Anonymous)):
            new = exp.cast(node.copy(), exp.DType.DATE)
            new.type = exp.DataType.build("DATE")
            return new
    kinds = [_integer_type(left), _integer_type(right)]
    if all(kinds):
        kind = max(kinds, key=lambda k: INTEGER_BITS[k])
        operator = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*"}[type(node)]
        return _wrapped(f"CAST({left.sql('duckdb')} AS HUGEINT) {operator} CAST({right.sql('duckdb')} AS HUGEINT)",
                        kind)
    floats = [side for side in (left, right) if _is(side, exp.DType.FLOAT)]
    if len(floats) == 1:
        other = right if floats[0] is left else left
        if _is(other, exp.DType.DOUBLE):
            raise TranslationError(f"{node.sql('duckdb')}: Flink widens a FLOAT to DOUBLE by its decimal text here "
                                   "(1.1f * 3.75 is 4.125), which is not replayed (cast the FLOAT first)")
        if _is(other, exp.DType.DECIMAL) or _decimal_literal(other):  # the FLOAT widened to DOUBLE exactly
            widened = exp.cast(floats[0].copy(), exp.DType.DOUBLE)
            widened.type = exp.DataType.build("DOUBLE")
            node.set("this" if floats[0] is left else "expression", widened)
            return node
    exact = _exact(left), _exact(right)
    if all(exact) and not (_integer_type(left) and _integer_type(right)):
        # Flink's DECIMAL of the result: a product has p1 + p2 + 1 digits and s1 + s2 of scale, a sum or
        # difference the most whole digits plus one and the larger scale; past 38 digits, scale is given up.
        (p1, s1), (p2, s2) = exact
        scale = s1 + s2 if isinstance(node, exp.Mul) else max(s1, s2)
        precision = p1 + p2 + 1 if isinstance(node, exp.Mul) else max(p1 - s1, p2 - s2) + scale + 1
        kind = exp.DataType.build("DECIMAL({}, {})".format(*_within_38_digits(precision, scale)))
        if precision <= MAX_DECIMAL_PRECISION:  # DuckDB computes the same value; the type is for the rules
            node.type = kind                    # above it (a DECIMAL(10, 2) squared is a DECIMAL(21, 4))
            return node
        if not isinstance(node, exp.Mul):  # each side in the result's type first: DuckDB would overflow
            for key, side in (("this", left), ("expression", right)):
                node.set(key, exp.Cast(this=side.copy(), to=kind.copy()))
        new = exp.cast(node.copy(), kind)
        new.type = kind.copy()
        return new
    return node


def _absolute(node: exp.Abs) -> exp.Expr:
    kind = _integer_type(node.this)  # Flink: ABS of the smallest integer is itself (Java's overflow)
    return _wrapped(f"abs(CAST({node.this.sql('duckdb')} AS HUGEINT))", kind) if kind else node


# FLOOR/CEIL(<time> TO <unit>): DuckDB's date_trunc except where Flink's units differ.
TIME_FLOORS = {
    "WEEK": "date_trunc('week', {0} + INTERVAL 1 DAY) - INTERVAL 1 DAY",  # Flink's weeks start on Sunday
    "CENTURY": "make_timestamp((year({0}) - 1) // 100 * 100 + 1, 1, 1, 0, 0, 0)",  # 2001-01-01 starts the 21st
    "MILLENNIUM": "make_timestamp((year({0}) - 1) // 1000 * 1000 + 1, 1, 1, 0, 0, 0)",
}
ALWAYS_STEPS = ("DECADE", "CENTURY", "MILLENNIUM")  # CEIL(... TO these) is the next bound even on a bound
TIME_STEPS = {"WEEK": "INTERVAL 7 DAY", "QUARTER": "INTERVAL 3 MONTH", "DECADE": "INTERVAL 10 YEAR",
              "CENTURY": "INTERVAL 100 YEAR", "MILLENNIUM": "INTERVAL 1000 YEAR"}


def _floor_ceil_to(node: exp.Expr) -> exp.Expr:
    if node.args.get("to") is None:
        # FLOOR/CEIL of an integer is the integer, in its type (DuckDB's is a DOUBLE: a cast would saturate it).
        return node.this if _integer_type(node.this) else node
    unit = node.args["to"].name.upper()
    date = _is(node.this, exp.DType.DATE)
    if unit in ("MICROSECOND", "NANOSECOND"):
        raise TranslationError(f"{type(node).__name__.upper()}(... TO {unit}) fails in Flink (a division by zero)")
    value = f"CAST({node.this.sql('duckdb')} AS TIMESTAMP)" if date else node.this.sql("duckdb")
    floor = TIME_FLOORS.get(unit, f"date_trunc('{unit.lower()}', {{0}})").format(value)
    step = TIME_STEPS.get(unit, f"INTERVAL 1 {unit}")
    if isinstance(node, exp.Floor):
        sql = floor
    elif unit in ALWAYS_STEPS or (date and unit == "DAY"):  # Flink steps past a value already on the bound
        sql = f"{floor} + {step}"
    else:
        sql = f"CASE WHEN {floor} = {value} THEN {value} ELSE {floor} + {step} END"
    if date:
        sql = f"CAST({sql} AS DATE)"
    new = duckdb_node(sql)
    new.type = exp.DataType.build("DATE") if date else (node.this.type or exp.DataType.build("TIMESTAMP")).copy()
    return new


DEFAULT_TIMESTAMP_PRECISION = 3  # of Flink's time functions and window bounds, when the type does not say


def _precision(node: exp.Expr) -> int:
    kind = node.type
    if kind is not None and kind.expressions:
        return int(kind.expressions[0].name)
    return DEFAULT_TIMESTAMP_PRECISION


def _timestamp_text(sql: str, precision: int) -> str:
    """Flink's text of a TIMESTAMP(p): exactly p digits of fraction (none for p = 0)."""
    if precision == 0:
        return f"strftime({sql}, '%Y-%m-%d %H:%M:%S')"
    text = f"left(strftime({sql}, '%Y-%m-%d %H:%M:%S.%f'), {20 + min(precision, 6)})"
    return text if precision <= 6 else f"{text} || '{'0' * (precision - 6)}'"


def _truncated_timestamp(sql: str, precision: int) -> str:
    """A timestamp cut to p digits of fraction, as Flink's TIMESTAMP(p) holds it."""
    if precision >= 6:
        return sql
    if precision in (0, 3):
        return f"date_trunc('{'second' if precision == 0 else 'millisecond'}', {sql})"
    unit = 10 ** (6 - precision)
    return f"make_timestamp(CAST(floor(epoch_us({sql}) / {unit}) * {unit} AS BIGINT))"


# Text Flink's CAST reads as a timestamp: a date, optionally a time, optionally a fraction (no 'T').
FLINK_TIMESTAMP_TEXT = r"^\s*\d{4}-\d{1,2}-\d{1,2}( \d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?)?\s*$"  # seconds required


def _cast(node: exp.Cast) -> exp.Expr:
    source, target = node.this, node.to
    attempt = isinstance(node, exp.TryCast)
    cast = "TRY_CAST" if attempt else "CAST"
    value = source.sql("duckdb")

    def typed(sql: str) -> exp.Expr:
        new = duckdb_node(sql)
        new.type = target.copy()
        return new

    if attempt and isinstance(source, exp.Cast) and not isinstance(source, exp.TryCast) \
            and source.to.is_type(exp.DType.DECIMAL) and source.find(exp.Column) is None:
        # A constant that does not fit a DECIMAL fails Flink's planner only where its type cannot be NULL:
        # under a TRY_CAST it is NULL.
        source = exp.TryCast(this=source.this.copy(), to=source.to.copy())
        source.type = source.to.copy()
        node.set("this", source)
        value = source.sql("duckdb")

    if target.is_type(*INTEGER_BITS):
        target_sql = target.sql("duckdb")
        if _is(source, exp.DType.DECIMAL) or _decimal_literal(source):
            # Java's narrowing of the whole part: 3000000000.5 as INT is -1294967296
            return _wrapped(f"CAST(trunc({value}) AS HUGEINT)", target.this)
        if _is(source, exp.DType.DOUBLE, exp.DType.FLOAT):
            # Java's (int) / (long) of a double: NaN is 0, beyond the range the nearest bound; smaller
            # integers narrow that int further (1e10 as TINYINT is -1).
            bits = 64 if INTEGER_BITS[target.this] == 64 else 32
            low, high = -2 ** (bits - 1), 2 ** (bits - 1) - 1
            whole = (f"CASE WHEN isnan({value}) THEN 0 WHEN {value} >= {float(2 ** (bits - 1))!r} THEN {high} "
                     f"WHEN {value} <= {float(low)!r} THEN {low} ELSE CAST(trunc({value}) AS BIGINT) END")
            if INTEGER_BITS[target.this] == bits:
                return typed(f"CAST({whole} AS {target_sql})")
            return _wrapped(f"CAST({whole} AS HUGEINT)", target.this)
        if _is(source, *STRINGS):  # '1.5' is 1 in Flink, 2 in DuckDB; '1e3' is no integer
            text = (f"CASE WHEN {value} IS NULL THEN NULL "
                    f"WHEN regexp_full_match(trim({value}), '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)') "
                    f"THEN trim({value}) ELSE 'x' END")
            if source.find(exp.Column) is None:  # a constant out of range fails Flink's planner
                return typed(f"{cast}(trunc({cast}({text} AS DECIMAL(38, 9))) AS {target_sql})")
            # At run time Flink reads a long and narrows it as Java does: '9007199254740993' as INT is 1.
            whole = f"CAST(trunc({cast}({text} AS DECIMAL(38, 9))) AS HUGEINT)"
            beyond = "NULL" if attempt else f"error('cannot cast ' || {value} || ' to {target_sql}')"
            return _wrapped(f"CASE WHEN abs({whole}) > 9223372036854775807 THEN {beyond} ELSE {whole} END", target.this)
        kind = _integer_type(source)
        if kind and INTEGER_BITS[kind] > INTEGER_BITS[target.this]:
            return _wrapped(f"CAST({value} AS HUGEINT)", target.this)  # Java's narrowing: 300 as TINYINT is 44
    if target.is_type(exp.DType.DECIMAL) and _is(source, *STRINGS) and LOSSLESS_FROM in source.meta:
        # Flink's planner drops a lossless cast in between: INT as text as DECIMAL is INT as DECIMAL.
        source = source.meta[LOSSLESS_FROM]
        node.set("this", source)
        value = source.sql("duckdb")
    if target.is_type(exp.DType.DECIMAL) and _is(source, *STRINGS):
        return typed(_text_to_decimal(value, *decimal_precision(target), attempt))
    if target.is_type(exp.DType.DECIMAL) and (_is(source, *FRACTIONAL, *INTEGER_BITS) or attempt):
        # A value that does not fit is NULL in Flink, at run time; a constant that does not fit fails
        # Flink's planner (TRY_CAST too).
        target_sql = target.sql("duckdb")
        if source.find(exp.Column) is not None:
            return typed(f"TRY_CAST({value} AS {target_sql})")
        if attempt:
            scale = decimal_precision(target)[1]
            return typed(f"coalesce(TRY_CAST({value} AS {target_sql}), CASE WHEN TRY_CAST({value} AS "
                         f"DECIMAL(38, {scale})) IS NOT NULL THEN CAST({value} AS {target_sql}) END)")
    if target.is_type(exp.DType.TIME):
        return _time_cast(node)
    if target.is_type(*BINARIES):
        return typed(_binary_cast(value, source, target))
    if target.is_type(*STRINGS):
        if _is(source, exp.DType.BOOLEAN):
            text = f"upper(CAST({value} AS VARCHAR))"  # TRUE / FALSE
        elif _is(source, exp.DType.DOUBLE):
            text = f"__flink_double_to_string({value})"  # Java's Double.toString
        elif _is(source, exp.DType.FLOAT):
            text = f"__flink_float_to_string({value})"  # Java's Float.toString
        elif _is(source, *TIMESTAMPS, exp.DType.TIMESTAMPTZ):
            text = _timestamp_text(value, _precision(source))
        elif _is(source, exp.DType.TIME):
            text = _time_text(value, _time_precision(source))
        else:
            text = f"{cast}({value} AS VARCHAR)"
        length = int(target.expressions[0].name) if target.expressions else None
        if length is not None:  # Flink cuts a value to CHAR(n)/VARCHAR(n); CHAR(n) pads with spaces
            text = f"left({text}, {length})"
            if target.is_type(exp.DType.CHAR):
                text = f"rpad({text}, {length}, ' ')"
        new = typed(text)
        if length is None and _integer_type(source):
            new.meta[LOSSLESS_FROM] = source.copy()
        return new
    if target.is_type(*TIMESTAMPS):
        precision = int(target.expressions[0].name) if target.expressions else 6
        if precision > 6 and _is(source, *STRINGS) and not (isinstance(source, exp.Literal) and source.is_string):
            raise TranslationError(f"CAST({source.sql('duckdb')} AS TIMESTAMP({precision})): DuckDB's timestamps hold "
                                   "microseconds, so text with nanoseconds cannot be replayed (cast to TIMESTAMP(6))")
        if _is(source, exp.DType.TIMESTAMPTZ):
            # TIMESTAMP_LTZ -> TIMESTAMP reads the instant in the local time zone.
            sql = f"CAST(strftime({value}, '%Y-%m-%d %H:%M:%S.%f') AS TIMESTAMP)"
        elif isinstance(source, exp.Literal) and source.is_string:  # checked here, once
            if not re.match(FLINK_TIMESTAMP_TEXT, source.name):
                # Typed: DuckDB folds a function of an untyped NULL (what error() is) to NULL unevaluated.
                return typed("CAST(NULL AS TIMESTAMP)" if attempt else
                             f"CAST(error('cannot cast ' || {value} || ' to TIMESTAMP') AS TIMESTAMP)")
            text = source.name.strip()
            # Flink cuts digits past the precision; DuckDB would round the seventh onwards.
            cut = exp.Literal.string(re.sub(r"(\.\d{6})\d+", r"\1", text)).sql("duckdb")
            sql = f"CAST({cut} AS TIMESTAMP)"
            if len(text.partition(".")[2]) <= precision:
                return typed(sql)
        elif _is(source, *STRINGS):
            bad = "NULL" if attempt else f"error('cannot cast ' || {value} || ' to TIMESTAMP')"
            pattern = exp.Literal.string(FLINK_TIMESTAMP_TEXT).sql("duckdb")
            cut = f"regexp_replace(trim({value}), '(\\.\\d{{6}})\\d+', '\\1')"  # Flink cuts past microseconds
            sql = f"CASE WHEN regexp_matches({value}, {pattern}) THEN {cast}({cut} AS TIMESTAMP) ELSE {bad} END"
        elif _is(source, *TIMESTAMPS, exp.DType.DATE) and (_is(source, exp.DType.DATE) or _precision(source) > precision):
            sql = f"CAST({value} AS TIMESTAMP)"
        else:
            return node
        return typed(_truncated_timestamp(sql, precision))
    return node


# Flink's text to DECIMAL (BinaryStringDataUtil.toDecimal). Up to 18 digits of type and 18 bytes of text, a
# parser of its own: blanks, a sign, digits with one point, then one character it skips unchecked (an
# exponent after e/E, then one more), then blanks: '7%' is 7, 'a' is 0, '12x' is 12 ('5€': the euro's
# other bytes are checked); all digits count toward the precision ('000000000001' overflows a DECIMAL(12, 3)).
# Otherwise Java's BigDecimal of the text without blanks. Rounded half up; text it cannot read, or a value
# too large, fails the job (TRY_CAST: NULL).
FAST_DECIMAL_TEXT = (r"^[ \t\n]*([+-]?)([0-9]*)(?:\.([0-9]*))?"
                     r"(?:[eE]([+-]?)([0-9]*)[\x00-\x2F\x3A-\x7F]?|[\x00-\x2D\x2F\x3A-\x7F])?[ \t\n]*$")
NOT_FAST_DECIMAL_TEXT = r"^[ \t\n]*([+-]|[+-]?[0-9]*(\.[0-9]*)?[eE][+-])?$"  # blank, a lone sign, a sign last
JAVA_DECIMAL_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
MAX_LONG_DIGITS = 18
LOSSLESS_FROM = "lossless_from"  # meta of an integer's text: the integer (a cast from it the planner drops)


def _text_to_decimal(text: str, precision: int, scale: int, attempt: bool) -> str:
    unread = "NULL" if attempt else f"error('Flink cannot read ' || {text} || ' as a DECIMAL({precision}, {scale})')"
    trimmed = f"trim({text}, ' \t\n')"
    java = (f"CASE WHEN regexp_full_match({trimmed}, '{JAVA_DECIMAL_TEXT}') "
            f"THEN TRY_CAST({trimmed} AS DECIMAL({precision}, {scale})) END")
    digits = "(m.i || m.f)"
    change = (f"(CASE WHEN m.es = '-' THEN -1 ELSE 1 END * least(coalesce(TRY_CAST(NULLIF(m.e, '') AS BIGINT), 0), 40) "
              f"- length(m.f) + {scale})")
    significand = f"(CASE WHEN m.s = '-' THEN -1 ELSE 1 END * coalesce(CAST(NULLIF({digits}, '') AS HUGEINT), 0))"
    power = "CAST(pow(10, {}) AS HUGEINT)"
    unscaled = (f"CASE WHEN length({digits}) + {change} > {precision} THEN NULL "  # Flink's overflow
                f"WHEN {change} >= 0 THEN {significand} * {power.format(change)} "
                f"WHEN {change} < -{MAX_LONG_DIGITS} THEN {unread} "  # Flink's table of powers of ten ends there
                f"ELSE ({significand} + CASE WHEN m.s = '-' THEN -5 ELSE 5 END * {power.format(f'-{change} - 1')}) "
                f"// {power.format(f'-{change}')} END")
    groups = f"regexp_extract({text}, '{FAST_DECIMAL_TEXT}', ['s', 'i', 'f', 'es', 'e'])"
    fast = (f"CASE WHEN NOT regexp_full_match({text}, '{FAST_DECIMAL_TEXT}') OR regexp_full_match({text}, "
            f"'{NOT_FAST_DECIMAL_TEXT}') THEN NULL ELSE list_transform([{groups}], lambda m: "
            f"{_decimal_of_unscaled(f'({unscaled})', precision, scale)})[1] END")
    read = java if precision > MAX_LONG_DIGITS else \
        f"CASE WHEN strlen({text}) > {MAX_LONG_DIGITS} THEN {java} ELSE {fast} END"
    return f"CASE WHEN {text} IS NULL THEN NULL ELSE coalesce({read}, {unread}) END"


def _decimal_literal(node: exp.Expr) -> bool:
    """A number written with a point and no exponent: a DECIMAL in Flink (sqlglot types it DOUBLE)."""
    while isinstance(node, (exp.Neg, exp.Paren)):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string and "." in node.name and "e" not in node.name.lower()


MAX_TIME_PRECISION = 3  # Flink's TIME values hold milliseconds, whatever precision the type says


def _time_precision(node: exp.Expr) -> int:
    kind = node.type
    return int(kind.expressions[0].name) if kind is not None and kind.expressions else 0


def _time_cast(node: exp.Cast) -> exp.Expr:
    """CAST to TIME(p): p digits of the second's fraction kept (at most milliseconds, cut); TIME alone is
    TIME(0). A literal TIME '10:00:00.5' has as many digits as it is written with."""
    source, target = node.this, node.to
    if target.expressions:
        precision = int(target.expressions[0].name)
    elif isinstance(source, exp.Literal) and source.is_string and "safe" not in node.args:  # TIME '...'
        precision = len(source.name.strip().partition(".")[2])
    else:
        precision = 0
    kept = min(precision, MAX_TIME_PRECISION)
    value = f"{'TRY_CAST' if isinstance(node, exp.TryCast) else 'CAST'}({source.sql('duckdb')} AS TIME)"
    sql = f"({value} - to_microseconds(microsecond({value}) % {10 ** (6 - kept)}))"
    new = duckdb_node(sql)
    new.type = exp.DataType.build(f"TIME({precision})")
    return new


def _time_text(sql: str, precision: int) -> str:
    """Flink's text of a TIME(p): HH:mm:ss, and for p > 0 the milliseconds without trailing zeros (at least one
    digit: 00:00:00.0)."""
    whole = f"left(CAST({sql} AS VARCHAR), 8)"
    if precision == 0:
        return whole
    millis = f"lpad(CAST((microsecond({sql}) % 1000000) // 1000 AS VARCHAR), 3, '0')"
    return f"{whole} || '.' || coalesce(nullif(rtrim({millis}, '0'), ''), '0')"


BINARIES = (exp.DType.BINARY, exp.DType.VARBINARY)


def _binary_cast(value: str, source: exp.Expr, target: exp.DataType) -> str:
    """CAST to BYTES / BINARY(n) / VARBINARY(n): a string's UTF-8 bytes (DuckDB's cast would read escapes
    such as \\x41), cut to n bytes, and for BINARY(n) padded with zero bytes to n."""
    blob = f"encode({value})" if _is(source, *STRINGS) else f"CAST({value} AS BLOB)"
    if target.is_type(exp.DType.VARBINARY) and not target.expressions:
        return blob  # BYTES
    length = int(target.expressions[0].name) if target.expressions else 1  # BINARY alone is BINARY(1)
    cut = f"unhex(left(hex({blob}), {2 * length}))"
    if target.is_type(exp.DType.BINARY):
        padding = f"unhex(repeat('00', {length} - octet_length({blob})))"
        return f"(CASE WHEN octet_length({blob}) >= {length} THEN {cut} ELSE {blob} || {padding} END)"
    return f"(CASE WHEN octet_length({blob}) > {length} THEN {cut} ELSE {blob} END)"


def timestamp_literal(node: exp.Expr) -> exp.Expr:
    """``TIMESTAMP '2024-01-01 10:00:00.5'`` is a TIMESTAMP(1) in Flink: its precision is its digits."""
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string \
            and node.to.is_type(*TIMESTAMPS) and not node.to.expressions:
        fraction = node.this.name.strip().partition(".")[2]
        node.set("to", exp.DataType.build(f"TIMESTAMP({len(fraction)})"))
    return node


def _anonymous(node: exp.Anonymous) -> exp.Expr:
    """Markers the function templates leave for rules that need types."""
    if node.name.lower() == "__flink_date_as_timestamp":  # TIMESTAMPADD(HOUR, n, <date>) is a TIMESTAMP
        value = node.expressions[0]
        if _is(value, exp.DType.DATE):
            new = duckdb_node(f"CAST({value.sql('duckdb')} AS TIMESTAMP)")
            new.type = exp.DataType.build("TIMESTAMP(6)")  # as Flink types it
            return new
        return value
    if node.name.lower() == "__flink_time_of_day":  # EXTRACT(HOUR ... NANOSECOND), HOUR(), MINUTE(), SECOND()
        value, part = node.expressions
        if _is(value, exp.DType.DATE):
            raise TranslationError(f"a time of day of the DATE {value.sql('duckdb')}: Flink reads the DATE's days as "
                                   "milliseconds here (or fails), so it is not replayed")
        return part
    if node.name.lower() == "__flink_round_of":
        return _round(*node.expressions)
    if node.name.lower() == "__flink_if":  # Flink's IF in a function's argument (functions._sqls)
        condition, then, otherwise = node.expressions
        choice = exp.If(this=condition, true=then, false=otherwise)
        choice.type = next((v.type.copy() for v in (then, otherwise) if not _unknown(v)), None)
        return _conditional(choice)
    if node.name.lower() == "__flink_truncate_of":
        return _truncate(*node.expressions)
    if node.name.lower() == "__flink_json_string":
        return _json_string(node.expressions[0])
    return node


def _round(value: exp.Expr, digits: exp.Expr, constant: exp.Expr) -> exp.Expr:
    """ROUND by the value's type: an integer is rounded and wrapped into its type (ROUND(127 TINYINT, -1) is
    -126), a DOUBLE that is NaN or infinite fails (Java's BigDecimal cannot hold it)."""
    from streamscore.sql.functions import round_sql

    fixed = constant.sql("duckdb").upper() == "TRUE"
    sql, digits_sql = value.sql("duckdb"), digits.sql("duckdb")
    kind = _integer_type(value)
    if kind:
        return _wrapped(f"CAST({round_sql(f'CAST({sql} AS BIGINT)', digits_sql, fixed)} AS HUGEINT)", kind)
    if _is(value, exp.DType.DECIMAL) and not fixed:
        raise TranslationError("ROUND of a DECIMAL to a column's digits: Flink gives the result at the wrong scale "
                               "(ROUND(12.35, 0) is 0.12), so it is not replayed")
    rounded = round_sql(sql, digits_sql, fixed)
    exact, kept = _exact(value), _constant_int(digits)
    if exact and kept is not None:  # a DECIMAL in Flink's type for the digits kept
        precision, scale = _rounded_decimal_type(exact, kept)
        return _typed_node(f"CAST({rounded} AS DECIMAL({precision}, {scale}))",
                           exp.DataType.build(f"DECIMAL({precision}, {scale})"))
    if _is(value, exp.DType.DOUBLE, exp.DType.FLOAT):
        rounded = (f"CASE WHEN isnan({sql}) OR isinf({sql}) THEN error('ROUND of NaN or an infinity fails in Flink') "
                   f"ELSE {rounded} END")
    return _typed_node(rounded, value.type.copy()) if not _unknown(value) else duckdb_node(rounded)


def _truncate(value: exp.Expr, digits: exp.Expr) -> exp.Expr:
    """TRUNCATE by the value's type: an exact number stays exact, cut toward zero in Flink's type (TRUNCATE of a
    DECIMAL(10, 2) to 1 digit is a DECIMAL(10, 1), and -0.05 gives 0.0); a DOUBLE is cut as it prints."""
    sql, cut = value.sql("duckdb"), _constant_int(digits)
    kind, exact = _integer_type(value), _exact(value)
    if cut is None or not exact:
        truncated = f"__flink_truncate({sql}, {digits.sql('duckdb')})"
        if _is(value, exp.DType.DOUBLE, exp.DType.FLOAT):  # Flink cuts it as a DECIMAL(38, 18)
            truncated = (f"CASE WHEN isnan({sql}) OR isinf({sql}) OR abs({sql}) >= 1e20 THEN error('TRUNCATE of "
                         f"NaN, an infinity or a DOUBLE of 1e20 or more fails in Flink') ELSE {truncated} END")
        return _typed_node(truncated, value.type.copy()) if not _unknown(value) else duckdb_node(truncated)
    if kind:
        return value if cut >= 0 else _typed_node(f"CAST(({sql} // {10 ** -cut}) * {10 ** -cut} AS "
                                                  f"{exp.DataType.build(kind).sql('duckdb')})", exp.DataType.build(kind))
    (precision, scale), (new_precision, new_scale) = exact, _rounded_decimal_type(exact, cut)
    if cut >= scale:
        return value
    unscaled = _unscaled(f"CAST({sql} AS DECIMAL({precision}, {scale}))")
    # Every digit cut: 0 (10 ** 39 is past HUGEINT), NULL kept.
    kept = f"({unscaled} // {10 ** (scale - cut)})" if scale - cut <= MAX_DECIMAL_PRECISION else f"({unscaled} * 0)"
    if cut < 0:
        kept = f"({kept} * {10 ** -cut})"
    return _typed_node(_decimal_of_unscaled(kept, new_precision, new_scale),
                       exp.DataType.build(f"DECIMAL({new_precision}, {new_scale})"))


def _rounded_decimal_type(exact: tuple[int, int], digits: int) -> tuple[int, int]:
    """Flink's DECIMAL(p, s) of ROUND or TRUNCATE of a DECIMAL(p, s) to ``digits``: rounding may add a digit."""
    precision, scale = exact
    if digits >= scale:
        return precision, scale
    if digits < 0:
        return min(MAX_DECIMAL_PRECISION, 1 + precision - scale), 0
    return 1 + precision - scale + digits, digits


def _constant_int(node: exp.Expr) -> int | None:
    """The value of an integer literal, or of its negation (None: not one)."""
    sign = 1
    while isinstance(node, (exp.Neg, exp.Paren)):
        sign = -sign if isinstance(node, exp.Neg) else sign
        node = node.this
    if isinstance(node, exp.Literal) and not node.is_string and node.name.isdigit():
        return sign * int(node.name)
    return None


def _json_string(value: exp.Expr) -> exp.Expr:
    """JSON_STRING by the argument's type: text quoted, numbers and booleans as JSON (a DOUBLE as Java writes it,
    a FLOAT widened to DOUBLE)."""
    sql = value.sql("duckdb")
    if _is(value, exp.DType.DOUBLE, exp.DType.FLOAT):
        text = f"__flink_double_to_string(CAST({sql} AS DOUBLE))"
    elif _is(value, *STRINGS, *INTEGER_BITS, exp.DType.DECIMAL, exp.DType.BOOLEAN) or _unknown(value):
        text = f"CAST(to_json({sql}) AS VARCHAR)"
    else:
        raise TranslationError(f"JSON_STRING of a {value.type.sql()} is not replayed yet (Flink writes dates and "
                               "times in its own forms, or fails)")
    new = duckdb_node(text)
    new.type = exp.DataType.build("VARCHAR")
    return new


def _unknown(node: exp.Expr) -> bool:
    return node.type is None or node.type.is_type(exp.DType.UNKNOWN)


def _paren(node: exp.Paren) -> exp.Expr:
    if not _unknown(node.this):  # the type of what it holds, as the typed rules left it
        node.type = node.this.type.copy()
    return node


def _negative(node: exp.Neg) -> exp.Expr:
    if _is(node.this, exp.DType.BIGINT):
        node.type = node.this.type.copy()
    if isinstance(node.this, exp.Literal) and re.fullmatch(r"\d+", node.this.name):
        # -2147483648 is an INT literal in Flink, -9223372036854775808 a BIGINT
        node.type = exp.DataType.build("INT" if int(node.this.name) <= 2 ** 31 else "BIGINT")
        return node
    kind = _integer_type(node.this)
    if kind and not isinstance(node.this, exp.Literal):  # Java's negation: -(-32768) is -32768 in a SMALLINT
        return _wrapped(f"-CAST({node.this.sql('duckdb')} AS HUGEINT)", kind)
    return node


def _literal(node: exp.Literal) -> exp.Expr:
    """An integer literal beyond INT is a BIGINT in Flink (sqlglot types every integer literal INT)."""
    if not node.is_string and re.fullmatch(r"\d+", node.name) and int(node.name) > 2 ** 31 - 1:
        node.type = exp.DataType.build("BIGINT")
    return node


def _comparison(node: exp.Expr) -> exp.Expr:
    """A FLOAT compared with another number is widened to DOUBLE in Flink (1.1f = 1.1 is FALSE); DuckDB
    would narrow the other side to FLOAT."""
    sides = (node.this, node.expression)
    if any(_is(side, exp.DType.DATE) for side in sides) and any(_is(side, *TIMESTAMPS, exp.DType.TIMESTAMPTZ)
                                                                  for side in sides):
        raise TranslationError(f"{node.sql('duckdb')}: Flink cannot compare a DATE with a TIMESTAMP (cast one of them)")
    if sum(_is(side, exp.DType.FLOAT) for side in sides) == 1 and any(_is(side, exp.DType.DOUBLE, exp.DType.DECIMAL,
                                                                           *INTEGER_BITS) for side in sides):
        for key, side in (("this", node.this), ("expression", node.expression)):
            if _is(side, exp.DType.FLOAT):
                widened = exp.cast(side.copy(), exp.DType.DOUBLE)
                widened.type = exp.DataType.build("DOUBLE")
                node.set(key, widened)
    return node


def _values(node: exp.Expr) -> list[exp.Expr]:
    """The values a conditional chooses from."""
    if isinstance(node, exp.Case):
        return [i.args["true"] for i in node.args.get("ifs") or []] + [node.args.get("default")]
    if isinstance(node, exp.If):
        return [node.args.get("true"), node.args.get("false")]
    return [node.this, *node.expressions]


def _common_exact(types: list[tuple[int, int]]) -> tuple[int, int]:
    """Flink's common DECIMAL of exact numbers: the most whole digits, then as much scale as 38 digits leave
    (DECIMAL(4, 3) with DECIMAL(38, 0) is DECIMAL(38, 0): 0.001 becomes 0)."""
    whole = min(max(p - s for p, s in types), MAX_DECIMAL_PRECISION)
    scale = min(max(s for _, s in types), MAX_DECIMAL_PRECISION - whole)
    return whole + scale, scale


def _conditional(node: exp.Expr) -> exp.Expr:
    """CASE, IF, COALESCE, GREATEST and LEAST in Flink's type of their values: exact numbers with a DECIMAL
    among them in the common DECIMAL (DuckDB's may keep another scale), timestamps at the largest precision;
    but IF of values other than numbers and text takes its THEN value's type, its ELSE value cut to it."""
    values = [v for v in _values(node) if v is not None and not isinstance(v, exp.Null) and not _unknown(v)]
    if not values:
        return node
    exact = [_exact(v) for v in values]
    if all(exact) and not all(_integer_type(v) for v in values):
        precision, scale = _common_exact(exact)
        node.type = exp.DataType.build(f"DECIMAL({precision}, {scale})")
        if isinstance(node, (exp.Greatest, exp.Least)):
            _fail_on_null_decimal_casts(node, [v for v, e in zip(values, exact)
                                               if _is(v, exp.DType.DECIMAL) and e != (precision, scale)])
        for value in values:
            cast = exp.Cast(this=value.copy(), to=node.type.copy())
            cast.type = node.type.copy()
            value.replace(cast)
    elif all(_is(v, *TIMESTAMPS) for v in values):
        then = node.args.get("true") if isinstance(node, exp.If) else None
        precision = _precision(then) if then is values[0] else max(_precision(v) for v in values)
        for value in values:  # only an IF's ELSE value can be more precise than the type
            if _precision(value) > precision:
                value.replace(_typed_node(_truncated_timestamp(value.sql("duckdb"), precision), then.type.copy()))
        node.type = exp.DataType.build(f"TIMESTAMP({precision})")
    elif all(v.type is not None and v.type.this == values[0].type.this for v in values):  # DATE, ...
        node.type = values[0].type.copy()
    if isinstance(node, (exp.Coalesce, exp.Greatest, exp.Least)):
        return _eager(node, [v for v in _values(node)[1:] if v is not None and _may_fail(v)])
    return node


def _may_fail(node: exp.Expr) -> bool:
    """Whether evaluating ``node`` can fail at run time: a failure of Flink's the replay raises, or a cast
    DuckDB may fail on (of anything but a number, to anything but text)."""
    return any((isinstance(n, exp.Anonymous) and n.name.lower() == "error")
               or (type(n) is exp.Cast and not n.to.is_type(*STRINGS) and not _is(n.this, *INTEGER_BITS, *FRACTIONAL))
               for n in node.walk())


def _eager(node: exp.Expr, failing: list[exp.Expr]) -> exp.Expr:
    """Flink evaluates every argument of COALESCE (IFNULL), GREATEST and LEAST, so one that fails fails the
    row even where an earlier one decides the result; DuckDB's are lazy. A condition that is never true but
    evaluates the ``failing`` arguments for every row goes first (for GREATEST/LEAST, into the condition of
    their template: ``_null_if_any_null``)."""
    if not failing:
        return node
    guard = duckdb_node(" + ".join(f"len([{v.sql('duckdb')}])" for v in failing) + " = 0")
    if isinstance(node, exp.Coalesce):
        eager = exp.Case(ifs=[exp.If(this=guard, true=exp.Null())], default=node.copy())
        eager.type = node.type.copy() if node.type is not None else None
        return eager
    template = _null_template(node)
    if template is not None:
        first = template.args["ifs"][0]
        first.set("this", exp.or_(guard, exp.paren(first.this.copy(), copy=False), copy=False))
    return node


def _null_template(node: exp.Expr) -> exp.Case | None:
    """The CASE around a GREATEST/LEAST that makes it NULL when any value is (``_null_if_any_null``)."""
    template = node.parent
    return template if isinstance(template, exp.Case) and template.args.get("default") is node else None


def _fail_on_null_decimal_casts(node: exp.Expr, cast: list[exp.Expr]) -> None:
    """Flink's GREATEST/LEAST fail (a NullPointerException) when a NULL DECIMAL is cast to their common type;
    the template around them (``_null_if_any_null``: NULL when any value is) fails there instead."""
    template = _null_template(node)
    if not cast or template is None:
        return
    nulls = " OR ".join(f"{v.sql('duckdb')} IS NULL" for v in cast)
    name = type(node).__name__.upper()
    template.args["ifs"][0].set("true", duckdb_node(
        f"CASE WHEN {nulls} THEN error('{name} of a NULL DECIMAL of another type than the result fails in Flink "
        "(a NullPointerException)') END"))


def _nullif(node: exp.Nullif) -> exp.Expr:
    """NULLIF(a, b) is a's type in Flink (CASE WHEN a = b THEN NULL ELSE a END); sqlglot's is the two's common
    type (a FLOAT compared with a DOUBLE would be a DOUBLE)."""
    if not _unknown(node.this):
        node.type = node.this.type.copy()
    return node


TYPED_REWRITES: dict[type, Callable[[exp.Expr], exp.Expr]] = {
    **{kind: _comparison for kind in (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)},
    exp.Anonymous: _anonymous,
    exp.Literal: _literal,
    exp.Paren: _paren,
    exp.Neg: _negative,
    exp.Div: _integer_division,
    exp.Mod: _modulo,
    exp.Avg: _average,
    exp.Filter: _aggregate_wrapper,
    exp.Window: _aggregate_wrapper,
    **{kind: _statistic for kind in STATISTICS},
    exp.FirstValue: _first_last,
    exp.LastValue: _first_last,
    exp.Cast: _cast,
    exp.TryCast: _cast,
    exp.Add: _arithmetic,
    exp.Sub: _arithmetic,
    exp.Mul: _arithmetic,
    exp.Abs: _absolute,
    exp.Floor: _floor_ceil_to,
    exp.Ceil: _floor_ceil_to,
    **{kind: _conditional for kind in (exp.Case, exp.If, exp.Coalesce, exp.Greatest, exp.Least)},
    exp.Nullif: _nullif,
}


def duckdb_types(node: exp.Expr) -> exp.Expr:
    # DuckDB's TIMESTAMP takes no precision (microseconds); precision is applied by the typed rewrites.
    if isinstance(node, exp.DataType) and node.this in TIMESTAMPS and node.expressions:
        return exp.DataType.build("TIMESTAMP")
    if isinstance(node, exp.DataType) and node.this == exp.DType.TIMESTAMPLTZ:
        return exp.DataType.build("TIMESTAMPTZ")
    return node


def schema_type(dtype: exp.DataType) -> str:
    """A column's type for typing queries: DuckDB's, keeping Flink's timestamp precision (TIMESTAMP alone
    is TIMESTAMP(6) in Flink)."""
    if dtype.this in TIMESTAMPS:
        precision = int(dtype.expressions[0].name) if dtype.expressions else 6
        return f"TIMESTAMP({precision})"
    return duckdb_type(dtype)


def type_name(select: exp.Expr) -> str:
    kind = select.type
    return "UNKNOWN" if kind is None or kind.is_type(exp.DType.UNKNOWN) else kind.sql("duckdb")


def duckdb_type(dtype: exp.DataType) -> str:
    return duckdb_types(dtype.copy()).sql("duckdb")
