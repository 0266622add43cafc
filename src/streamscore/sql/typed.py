"""Typed rewrites: after the query is qualified and annotated with types, the rules whose meaning depends
on them (``TYPED_REWRITES``, node type -> rule): Flink's result types and Java's arithmetic.
"""

from __future__ import annotations

import re
from typing import Callable

from sqlglot import exp

from streamscore.sql.dialect import decimal_precision
from streamscore.sql.functions import duckdb_node


def _is(node: exp.Expr, *types) -> bool:
    return node.type is not None and node.type.is_type(*types)


TIMESTAMPS = (exp.DType.TIMESTAMP, exp.DType.TIMESTAMPNTZ, exp.DType.TIMESTAMP_MS, exp.DType.TIMESTAMP_S,
              exp.DType.TIMESTAMP_NS)
FRACTIONAL = (exp.DType.DOUBLE, exp.DType.FLOAT, exp.DType.DECIMAL)
INTEGER_BITS = {exp.DType.TINYINT: 8, exp.DType.SMALLINT: 16, exp.DType.INT: 32, exp.DType.BIGINT: 64}


def typed_rewrite(node: exp.Expr) -> exp.Expr:
    rule = TYPED_REWRITES.get(type(node))
    return rule(node) if rule else node


def _integer_division(node: exp.Div) -> exp.Expr:
    # Flink: INT / INT is an INT, truncated toward zero (DuckDB's // truncates too).
    if _is(node.this, *INTEGER_BITS) and _is(node.expression, *INTEGER_BITS):
        return exp.IntDiv(this=node.this, expression=node.expression)
    return node


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


def _flink_decimal(left: exp.DataType, right: exp.DataType) -> tuple[int, int] | None:
    """Flink's DECIMAL(p, s) for a sum or difference of two exact numbers, when DuckDB's would differ: past
    38 digits Flink keeps the integer digits and gives up scale (down to 6), DuckDB keeps the scale."""
    def precision_scale(t: exp.DataType) -> tuple[int, int]:
        if t.this in INTEGER_BITS:
            return {8: (3, 0), 16: (5, 0), 32: (10, 0), 64: (19, 0)}[INTEGER_BITS[t.this]]
        return decimal_precision(t)

    (p1, s1), (p2, s2) = precision_scale(left), precision_scale(right)
    scale = max(s1, s2)
    precision = max(p1 - s1, p2 - s2) + scale + 1
    if precision <= MAX_DECIMAL_PRECISION:
        return None
    scale = max(MAX_DECIMAL_PRECISION - (precision - scale), min(scale, 6))
    return MAX_DECIMAL_PRECISION, scale


def _arithmetic(node: exp.Expr) -> exp.Expr:
    """+, - and * with Flink's result types: a DATE plus an interval stays a DATE, integers wrap around on
    overflow, decimals past 38 digits lose scale."""
    left, right = node.this, node.expression
    dates = [side for side in (left, right) if _is(side, exp.DType.DATE)]
    if len(dates) == 1 and not isinstance(node, exp.Mul):
        other = right if dates[0] is left else left
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
    if not isinstance(node, exp.Mul) and _is(left, exp.DType.DECIMAL, *INTEGER_BITS) \
            and _is(right, exp.DType.DECIMAL, *INTEGER_BITS) and exp.DType.DECIMAL in (left.type.this, right.type.this):
        flink = _flink_decimal(left.type, right.type)
        if flink:
            new = exp.cast(node.copy(), exp.DataType.build(f"DECIMAL({flink[0]}, {flink[1]})"))
            new.type = exp.DataType.build(f"DECIMAL({flink[0]}, {flink[1]})")
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
TIME_STEPS = {"WEEK": "INTERVAL 7 DAY", "QUARTER": "INTERVAL 3 MONTH", "DECADE": "INTERVAL 10 YEAR",
              "CENTURY": "INTERVAL 100 YEAR", "MILLENNIUM": "INTERVAL 1000 YEAR"}


def _floor_ceil_to(node: exp.Expr) -> exp.Expr:
    if node.args.get("to") is None:
        return node
    unit = node.args["to"].name.upper()
    date = _is(node.this, exp.DType.DATE)
    value = f"CAST({node.this.sql('duckdb')} AS TIMESTAMP)" if date else node.this.sql("duckdb")
    floor = TIME_FLOORS.get(unit, f"date_trunc('{unit.lower()}', {{0}})").format(value)
    sql = floor if isinstance(node, exp.Floor) else \
        f"CASE WHEN {floor} = {value} THEN {value} ELSE {floor} + {TIME_STEPS.get(unit, f'INTERVAL 1 {unit}')} END"
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
FLINK_TIMESTAMP_TEXT = r"^\s*\d{4}-\d{1,2}-\d{1,2}( \d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,9})?)?)?\s*$"


def _cast(node: exp.Cast) -> exp.Expr:
    source, target = node.this, node.to
    attempt = isinstance(node, exp.TryCast)
    cast = "TRY_CAST" if attempt else "CAST"
    value = source.sql("duckdb")

    def typed(sql: str) -> exp.Expr:
        new = duckdb_node(sql)
        new.type = target.copy()
        return new

    if target.is_type(*INTEGER_BITS):
        target_sql = target.sql("duckdb")
        if _is(source, *FRACTIONAL):
            return typed(f"{cast}(trunc({value}) AS {target_sql})")  # Flink truncates, DuckDB rounds
        if _is(source, *STRINGS):  # '1.5' is 1 in Flink, 2 in DuckDB
            return typed(f"{cast}(trunc({cast}(trim({value}) AS DECIMAL(38, 9))) AS {target_sql})")
        kind = _integer_type(source)
        if kind and INTEGER_BITS[kind] > INTEGER_BITS[target.this]:
            return _wrapped(value, target.this)  # Java's narrowing: 300 as TINYINT is 44
    if target.is_type(*STRINGS):
        if _is(source, exp.DType.BOOLEAN):
            text = f"upper(CAST({value} AS VARCHAR))"  # TRUE / FALSE
        elif _is(source, exp.DType.DOUBLE):
            text = f"__flink_double_to_string({value})"  # Java's Double.toString
        elif _is(source, exp.DType.FLOAT):
            text = f"__flink_float_to_string({value})"  # Java's Float.toString
        elif _is(source, *TIMESTAMPS, exp.DType.TIMESTAMPTZ):
            text = _timestamp_text(value, _precision(source))
        else:
            text = f"{cast}({value} AS VARCHAR)"
        length = int(target.expressions[0].name) if target.expressions else None
        if length is not None:  # Flink cuts a value to CHAR(n)/VARCHAR(n); CHAR(n) pads with spaces
            text = f"left({text}, {length})"
            if target.is_type(exp.DType.CHAR):
                text = f"rpad({text}, {length}, ' ')"
        return typed(text)
    if target.is_type(*TIMESTAMPS):
        precision = int(target.expressions[0].name) if target.expressions else 6
        if _is(source, exp.DType.TIMESTAMPTZ):
            # TIMESTAMP_LTZ -> TIMESTAMP reads the instant in the local time zone.
            sql = f"CAST(strftime({value}, '%Y-%m-%d %H:%M:%S.%f') AS TIMESTAMP)"
        elif isinstance(source, exp.Literal) and source.is_string:  # checked here, once
            if not re.match(FLINK_TIMESTAMP_TEXT, source.name):
                return typed("NULL" if attempt else f"error('cannot cast ' || {value} || ' to TIMESTAMP')")
            text = source.name.strip()
            sql = f"CAST({exp.Literal.string(text).sql('duckdb')} AS TIMESTAMP)"
            if len(text.partition(".")[2]) <= precision:
                return typed(sql)
        elif _is(source, *STRINGS):
            bad = "NULL" if attempt else f"error('cannot cast ' || {value} || ' to TIMESTAMP')"
            pattern = exp.Literal.string(FLINK_TIMESTAMP_TEXT).sql("duckdb")
            sql = f"CASE WHEN regexp_matches({value}, {pattern}) THEN {cast}(trim({value}) AS TIMESTAMP) ELSE {bad} END"
        elif _is(source, *TIMESTAMPS, exp.DType.DATE) and (_is(source, exp.DType.DATE) or _precision(source) > precision):
            sql = f"CAST({value} AS TIMESTAMP)"
        else:
            return node
        return typed(_truncated_timestamp(sql, precision))
    return node


def timestamp_literal(node: exp.Expr) -> exp.Expr:
    """``TIMESTAMP '2024-01-01 10:00:00.5'`` is a TIMESTAMP(1) in Flink: its precision is its digits."""
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string \
            and node.to.is_type(*TIMESTAMPS) and not node.to.expressions:
        fraction = node.this.name.strip().partition(".")[2]
        node.set("to", exp.DataType.build(f"TIMESTAMP({len(fraction)})"))
    return node


TYPED_REWRITES: dict[type, Callable[[exp.Expr], exp.Expr]] = {
    exp.Div: _integer_division,
    exp.Avg: _average,
    exp.Filter: _average,
    exp.Window: _average,
    exp.Cast: _cast,
    exp.TryCast: _cast,
    exp.Add: _arithmetic,
    exp.Sub: _arithmetic,
    exp.Mul: _arithmetic,
    exp.Abs: _absolute,
    exp.Floor: _floor_ceil_to,
    exp.Ceil: _floor_ceil_to,
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
