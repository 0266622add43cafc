"""Flink SQL -> DuckDB SQL, as small pure rewrites over sqlglot trees.

The pipeline for one query (each step returns nodes unchanged when it does not apply):

1. refuse what cannot replay faithfully (processing time, MATCH_RECOGNIZE, ...), with its place;
2. structural rewrites: window TVFs, legacy group windows and temporal joins become plain SQL;
3. Flink functions (``FUNCTIONS``, DuckDB templates with Flink's meaning, result types spelled out);
4. qualify and annotate types against the job's tables and views;
5. typed rewrites (``TYPED_REWRITES``): integer division, AVG of integers, casts.

Rules are data where they can be: ``FUNCTIONS`` maps a Flink function to a DuckDB template,
``JAVA_DATE_PATTERNS`` maps Java date patterns to strftime, ``WINDOW_TEMPLATES`` spell out windows.
"""

from __future__ import annotations

import re
from typing import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from streamscore.errors import TranslationError
from streamscore.sql.dialect import CaseSensitiveDuckDB, Descriptor, TableArgument, WindowTableFunction, decimal_precision
from streamscore.sql.rewrites import inline_ml_predict
from streamscore.sql.statements import Job, Statement

# -- refusals --------------------------------------------------------------------------------------
UNTRANSLATABLE: dict[type, tuple[str, str]] = {
    exp.MatchRecognize: ("MATCH_RECOGNIZE cannot be replayed on DuckDB yet", "replay this job with --engine flink"),
    exp.Overlaps: ("OVERLAPS cannot be replayed on DuckDB yet", "compare the periods' ends instead"),
}
# Functions whose result depends on the wall clock, not on the data.
PROCESSING_TIME_FUNCTIONS = {"PROCTIME", "NOW", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_ROW_TIMESTAMP",
                             "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME", "TUMBLE_PROCTIME", "HOP_PROCTIME",
                             "SESSION_PROCTIME", "UUID", "RAND", "RAND_INTEGER"}

# -- Java date patterns (DATE_FORMAT, TO_TIMESTAMP, UNIX_TIMESTAMP) -> strftime -----------------------
JAVA_DATE_PATTERNS = [  # longest first
    ("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"),
    ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("SSSSSS", "%f"), ("SSS", "%g"), ("EEEE", "%A"), ("EEE", "%a"),
    ("a", "%p"), ("DDD", "%j"), ("D", "%-j"), ("M", "%-m"), ("d", "%-d"), ("H", "%-H"), ("h", "%-I"), ("u", "%Y"),
]
DEFAULT_TIMESTAMP_PATTERN = "yyyy-MM-dd HH:mm:ss"


def java_to_strftime(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "'":  # quoted literal text
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1:end].replace("%", "%%") or "'")
            i = end + 1
            continue
        for java, strf in JAVA_DATE_PATTERNS:
            if pattern.startswith(java, i):
                out.append(strf)
                i += len(java)
                break
        else:
            if pattern[i].isalpha():
                raise ValueError(f"Java date pattern letter {pattern[i]!r} is not supported yet")
            out.append("%%" if pattern[i] == "%" else pattern[i])
            i += 1
    return "".join(out)


# -- Flink functions -> DuckDB -----------------------------------------------------------------------
# A template is DuckDB SQL with {0}, {1}, ... for the arguments (as DuckDB SQL); a callable gets the
# argument nodes and returns DuckDB SQL. Result types are cast to Flink's where DuckDB's differ.
def _date_part(part: str) -> str:
    return f"CAST({part}({{0}}) AS BIGINT)"


def _concat(args: list[exp.Expr]) -> str:
    # Flink's CONCAT is NULL when any argument is; DuckDB's skips NULLs, its || does not.
    return " || ".join(f"CAST({a} AS VARCHAR)" for a in _sqls(args))


def _strftime_literal(node: exp.Expr, function: str) -> str:
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise ValueError(f"{function} needs a literal format to be replayed")
    return exp.Literal.string(java_to_strftime(node.name)).sql("duckdb")


def _date_format(args: list[exp.Expr]) -> str:
    value, fmt = _sqls(args[:1])[0], _strftime_literal(args[1], "DATE_FORMAT")
    return f"strftime(CAST({value} AS TIMESTAMP), {fmt})"


def _parse_timestamp(args: list[exp.Expr], function: str) -> str:
    value = _sqls(args[:1])[0]
    if len(args) > 1:
        return f"try_strptime({value}, {_strftime_literal(args[1], function)})"
    # The default pattern takes an optional fraction of a second, or a date alone.
    return (f"coalesce(try_strptime({value}, '%Y-%m-%d %H:%M:%S.%g'), try_strptime({value}, '%Y-%m-%d %H:%M:%S'), "
            f"try_strptime({value}, '%Y-%m-%d %H:%M:%S.%f'), try_strptime({value}, '%Y-%m-%d'))")


def _to_timestamp(args: list[exp.Expr]) -> str:
    # TIMESTAMP(3): sub-millisecond digits are dropped.
    return f"date_trunc('millisecond', CAST({_parse_timestamp(args, 'TO_TIMESTAMP')} AS TIMESTAMP))"


def _unix_timestamp(args: list[exp.Expr]) -> str:
    if not args:
        raise ValueError("UNIX_TIMESTAMP() without arguments is processing time")
    # The string is local time in table.local-time-zone (DuckDB's TimeZone setting). Flink answers a text it
    # cannot parse with Long.MIN_VALUE, not NULL.
    value = _sqls(args[:1])[0]
    parsed = f"CAST(epoch(CAST(CAST({_parse_timestamp(args, 'UNIX_TIMESTAMP')} AS TIMESTAMP) AS TIMESTAMPTZ)) AS BIGINT)"
    return f"CASE WHEN {value} IS NULL THEN NULL ELSE coalesce({parsed}, -9223372036854775808) END"


def _from_unixtime(args: list[exp.Expr]) -> str:
    fmt = _strftime_literal(args[1], "FROM_UNIXTIME") if len(args) > 1 else "'%Y-%m-%d %H:%M:%S'"
    return f"strftime(to_timestamp({_sqls(args[:1])[0]}), {fmt})"


def _to_timestamp_ltz(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    precision = args[1].name if len(args) > 1 else "3"
    if precision not in ("0", "3"):
        raise ValueError("TO_TIMESTAMP_LTZ precision must be 0 or 3")
    seconds = f"CAST({value} AS DOUBLE)" if precision == "0" else f"({value} / 1000.0)"
    # Flink's TIMESTAMP_LTZ holds years 0000-9999: an epoch beyond them is NULL.
    return (f"CASE WHEN abs({seconds}) < 253402300800 THEN "
            f"CAST(make_timestamptz(CAST(round({seconds} * 1000000) AS BIGINT)) AS TIMESTAMPTZ) END")


TIME_UNITS = {"SECOND": "second", "MINUTE": "minute", "HOUR": "hour", "DAY": "day", "WEEK": "week",
              "MONTH": "month", "QUARTER": "quarter", "YEAR": "year"}


def _unit(node: exp.Expr) -> str:
    name = node.name.upper().rstrip("S") if node.name.upper() != "MILLISECONDS" else "MILLISECOND"
    if name not in TIME_UNITS:
        raise ValueError(f"time unit {node.name} is not supported yet")
    return TIME_UNITS[name]


def _timestampadd(args: list[exp.Expr]) -> str:
    unit = _unit(args[0])
    amount, value = _sqls(args[1:])
    # An Add node either way: the typed rewrite keeps a DATE a DATE, as Flink does.
    return f"({value} + CAST({amount} AS BIGINT) * INTERVAL 1 {unit})" \
        if unit not in ("month", "quarter", "year") else f"({value} + to_months(CAST({amount} AS INTEGER) * " \
        f"{ {'month': 1, 'quarter': 3, 'year': 12}[unit]}))"


def _timestampdiff(args: list[exp.Expr]) -> str:
    # Whole units from the first to the second argument, toward zero.
    first, second = _sqls(args[1:])
    return f"CAST(date_sub('{_unit(args[0])}', {first}, {second}) AS INTEGER)"


def _split_index(args: list[exp.Expr]) -> str:
    value, sep, index = _sqls(args)
    # Flink: an empty string has no fields; a negative or too large index is NULL.
    return f"CASE WHEN {index} >= 0 AND {value} <> '' THEN string_split({value}, {sep})[{index} + 1] END"


def _regexp_extract(args: list[exp.Expr]) -> str:
    value, pattern = _sqls(args[:2])
    group = _sqls(args[2:3])[0] if len(args) > 2 else "0"  # Flink: the whole match by default
    return f"__flink_regexp_extract({value}, {pattern}, CAST({group} AS INTEGER))"


def _regexp_replace(args: list[exp.Expr]) -> str:
    # Flink replaces with the text as written ($1 is not a group reference).
    return "__flink_regexp_replace({0}, {1}, {2})".format(*_sqls(args))


def _null_if_any_null(function: str) -> Callable[[list[exp.Expr]], str]:
    # Flink's GREATEST/LEAST are NULL when any argument is; DuckDB's skip NULLs.
    def build(args: list[exp.Expr]) -> str:
        sqls = _sqls(args)
        return f"CASE WHEN {' OR '.join(f'{a} IS NULL' for a in sqls)} THEN NULL ELSE {function}({', '.join(sqls)}) END"
    return build


def _round(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    digits = _sqls(args[1:2])[0] if len(args) > 1 else "0"
    return f"__flink_round({value}, {digits})"


def _truncate(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    digits = _sqls(args[1:2])[0] if len(args) > 1 else "0"
    return f"__flink_truncate({value}, {digits})"


def _trim_chars(side: str) -> Callable[[list[exp.Expr]], str]:
    def build(args: list[exp.Expr]) -> str:
        return f"{side}({', '.join(_sqls(args))})"  # the second argument: the characters to remove
    return build


def _substring(args: list[exp.Expr]) -> str:
    value, start, *length = _sqls(args)
    # Flink reads a start of 0 as 1 (SQL's standard would count the position before the first character).
    start = f"CASE WHEN {start} = 0 THEN 1 ELSE {start} END"
    return f"substring({value}, {start}{', ' + length[0] if length else ''})"


def _pad(side: str) -> Callable[[list[exp.Expr]], str]:
    def build(args: list[exp.Expr]) -> str:
        value, length, pad = _sqls(args)
        # Flink: NULL for a negative length or an empty pad text.
        return f"CASE WHEN {length} >= 0 AND {pad} <> '' THEN {side}({value}, {length}, {pad}) END"
    return build


def _left_right(side: str) -> Callable[[list[exp.Expr]], str]:
    def build(args: list[exp.Expr]) -> str:
        value, length = _sqls(args)
        return f"CASE WHEN {length} < 0 THEN '' ELSE {side}({value}, {length}) END"  # Flink: '' below 0
    return build


def _locate(args: list[exp.Expr]) -> str:
    needle, value, *start = _sqls(args)
    if not start:
        return f"CAST(instr({value}, {needle}) AS INTEGER)"
    found = f"instr(substring({value}, {start[0]}), {needle})"
    return (f"CAST(CASE WHEN {start[0]} <= 1 THEN instr({value}, {needle}) WHEN {found} = 0 THEN 0 "
            f"ELSE {found} + {start[0]} - 1 END AS INTEGER)")


def _replace(args: list[exp.Expr]) -> str:
    value, search, replacement = _sqls(args)
    # Flink (Java's String.replace): an empty search text matches before every character and at the end,
    # as an empty regular expression does (backslashes in the replacement escaped for RE2).
    return (f"CASE WHEN {search} = '' THEN regexp_replace({value}, '', replace({replacement}, '\\', '\\\\'), 'g') "
            f"ELSE replace({value}, {search}, {replacement}) END")


def _upper(args: list[exp.Expr]) -> str:
    value = _sqls(args)[0]
    upper = f"CAST(__flink_upper({value}) AS VARCHAR)"  # Java's full case mapping: straße -> STRASSE
    if isinstance(args[0], exp.Literal) and args[0].is_string:
        # A literal is a CHAR(n) in Flink and so is its upper case: longer mappings are cut at n.
        return f"left({upper}, {len(args[0].name)})"
    return upper


def _log(args: list[exp.Expr]) -> str:
    # Flink: LOG(x) is the natural logarithm, LOG(base, x) the logarithm to that base.
    return "ln({0})".format(*_sqls(args)) if len(args) == 1 else "(ln({1}) / ln({0}))".format(*_sqls(args))


def _hash(algorithm: str) -> str:
    return f"__flink_hash('{algorithm}', {{0}})"


def _sha2(args: list[exp.Expr]) -> str:
    value, bits = _sqls(args)
    return f"__flink_hash('sha' || CAST({bits} AS VARCHAR), {value})"  # NULL for a length Flink lacks


def _json_path_text(node: exp.Expr, function: str) -> str:
    """A literal JSON path without its lax/strict mode (which JSON_EXISTS answers alike without ON ERROR)."""
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise ValueError(f"{function} needs a literal path to be replayed")
    path = re.sub(r"^\s*(lax|strict)\s+", "", node.name)
    return exp.Literal.string(path).sql("duckdb")


def _json_exists(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    path = _json_path_text(args[1], "JSON_EXISTS")
    # Flink: text that is not JSON does not hold the path (FALSE ON ERROR); a JSON null does not either.
    return (f"CASE WHEN {value} IS NULL THEN NULL WHEN NOT json_valid({value}) THEN false "
            f"ELSE coalesce(json_type(json_extract({value}, {path})) <> 'NULL', false) END")


def _btrim(args: list[exp.Expr]) -> str:
    return "trim({0})".format(*_sqls(args)) if len(args) == 1 else "trim({0}, {1})".format(*_sqls(args))


def _to_date(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    fmt = _strftime_literal(args[1], "TO_DATE") if len(args) > 1 else "'%Y-%m-%d'"
    return f"CAST(try_strptime({value}, {fmt}) AS DATE)"


def _elt(args: list[exp.Expr]) -> str:
    index, *values = _sqls(args)
    return f"CASE WHEN {index} >= 1 THEN [{', '.join(values)}][{index}] END"


def _listagg(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    sep = _sqls(args[1:2])[0] if len(args) > 1 else "','"
    # Flink concatenates in arrival order: the input's row order, kept by DuckDB's rowid.
    return f"string_agg({value}, {sep} ORDER BY rowid)"


def _json_query(args: list[exp.Expr]) -> str:
    value, path = _sqls(args[:2])
    extracted = f"json_extract({value}, {path})"
    # Flink writes the value back with its object keys in order, without spaces.
    return (f"CASE WHEN json_valid({value}) AND json_type({extracted}) IN ('ARRAY', 'OBJECT') "
            f"THEN __flink_json_text(CAST({extracted} AS VARCHAR)) END")


FUNCTIONS: dict[str, str | Callable[[list[exp.Expr]], str]] = {
    "CONCAT": _concat,
    "CONCAT_WS": "concat_ws({*})",
    "IF": "CASE WHEN {0} THEN {1} ELSE {2} END",
    "DATE_FORMAT": _date_format,
    "TO_TIMESTAMP": _to_timestamp,
    "TO_TIMESTAMP_LTZ": _to_timestamp_ltz,
    "UNIX_TIMESTAMP": _unix_timestamp,
    "FROM_UNIXTIME": _from_unixtime,
    "TIMESTAMPADD": _timestampadd,
    "TIMESTAMPDIFF": _timestampdiff,
    "SPLIT_INDEX": _split_index,
    "REGEXP_EXTRACT": _regexp_extract,
    "REGEXP_REPLACE": _regexp_replace,
    "REGEXP": "regexp_matches({0}, {1})",
    "LOCATE": _locate,
    "INSTR": "CAST(instr({0}, {1}) AS INTEGER)",
    "LPAD": _pad("lpad"),
    "RPAD": _pad("rpad"),
    "ROUND": _round,
    "TRUNCATE": _truncate,
    "MOD": "({0} % {1})",
    "DAYOFWEEK": "CAST(dayofweek({0}) + 1 AS BIGINT)",  # Flink: Sunday = 1
    "DAYOFMONTH": _date_part("day"),
    "DAYOFYEAR": _date_part("dayofyear"),
    "WEEK": _date_part("week"),  # ISO week, as Flink's
    "QUARTER": _date_part("quarter"),
    "YEAR": _date_part("year"),
    "MONTH": _date_part("month"),
    "HOUR": _date_part("hour"),
    "MINUTE": _date_part("minute"),
    "SECOND": _date_part("second"),
    "LISTAGG": _listagg,
    "JSON_QUERY": _json_query,
    "INITCAP": "CAST(__flink_initcap({0}) AS VARCHAR)",
    "REVERSE": "reverse({0})",
    "REPEAT": "repeat({0}, {1})",
    "LEFT": _left_right("left"),
    "RIGHT": _left_right("right"),
    # Flink: the first UTF-8 byte, as a signed Java byte (from the first code point's UTF-8 lead byte).
    "ASCII": "CAST(CASE WHEN {0} = '' THEN 0 WHEN unicode({0}) < 128 THEN unicode({0}) "
             "WHEN unicode({0}) < 2048 THEN (192 + unicode({0}) // 64) - 256 "
             "WHEN unicode({0}) < 65536 THEN (224 + unicode({0}) // 4096) - 256 "
             "ELSE (240 + unicode({0}) // 262144) - 256 END AS INTEGER)",
    "SUBSTR": _substring,
    "POWER": "power({0}, {1})",
    "LN": "ln({0})",
    "LOG10": "log10({0})",
    "SIGN": "CAST(sign({0}) AS DOUBLE)",
    "SQRT": "sqrt({0})",
    "ABS": "abs({0})",
    "GREATEST": _null_if_any_null("greatest"),
    "LEAST": _null_if_any_null("least"),
    "CHAR_LENGTH": "CAST(length({0}) AS INTEGER)",
    "UPPER": _upper,
    "LOWER": "lower({0})",
    "LOG": _log,
    "LOG2": "log2({0})",
    "EXP": "exp({0})",
    "SIN": "sin({0})", "COS": "cos({0})", "TAN": "tan({0})", "COT": "cot({0})",
    "ASIN": "asin({0})", "ACOS": "acos({0})", "ATAN": "atan({0})", "ATAN2": "atan2({0}, {1})",
    "SINH": "sinh({0})", "COSH": "cosh({0})", "TANH": "tanh({0})",
    "DEGREES": "degrees({0})", "RADIANS": "radians({0})", "PI": "pi()", "E": "exp(1)",
    "BIN": "bin({0})",
    "HEX": "hex({0})",  # of an integer (two's complement) or of a string's UTF-8 bytes, upper case
    "MD5": _hash("md5"), "SHA1": _hash("sha1"), "SHA224": _hash("sha224"), "SHA256": _hash("sha256"),
    "SHA384": _hash("sha384"), "SHA512": _hash("sha512"), "SHA2": _sha2,
    "CHARACTER_LENGTH": "CAST(length({0}) AS INTEGER)",
    "CHR": "__flink_chr(CAST({0} AS BIGINT))",
    "TO_BASE64": "to_base64(encode({0}))",
    "FROM_BASE64": "decode(from_base64({0}))",
    "STARTSWITH": "starts_with({0}, {1})",
    "ENDSWITH": "suffix({0}, {1})",
    "BTRIM": _btrim,
    "TRANSLATE": "translate({0}, {1}, {2})",
    "ELT": _elt,
    "IS_ALPHA": "regexp_full_match({0}, '[[:alpha:]]+')",
    "IS_DIGIT": "regexp_full_match({0}, '[0-9]+')",
    "IS_DECIMAL": "regexp_full_match({0}, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?')",
    "REGEXP_COUNT": "CAST(__flink_regexp_count({0}, {1}) AS INTEGER)",
    "REGEXP_INSTR": "CAST(__flink_regexp_instr({0}, {1}) AS INTEGER)",
    "REGEXP_SUBSTR": "__flink_regexp_extract({0}, {1}, 0)",
    "PARSE_URL": lambda args: ("__flink_parse_url({0}, {1})" if len(args) == 2
                               else "__flink_parse_url_query({0}, {1}, {2})").format(*_sqls(args)),
    "URL_ENCODE": "__flink_url_encode({0})",
    "URL_DECODE": "__flink_url_decode({0})",
    "TO_DATE": _to_date,
    "CONVERT_TZ": "strftime(timezone({2}, timezone({1}, CAST({0} AS TIMESTAMP))), '%Y-%m-%d %H:%M:%S')",
    "JSON_EXISTS": _json_exists,
    "JSON_STRING": "CAST(to_json({0}) AS VARCHAR)",
    "JSON_QUOTE": "CAST(to_json(CAST({0} AS VARCHAR)) AS VARCHAR)",
    "JSON_UNQUOTE": "__flink_json_unquote({0})",
    "LTRIM": _trim_chars("ltrim"),
    "RTRIM": _trim_chars("rtrim"),
    "REPLACE": _replace,
}


def _sqls(args: list[exp.Expr]) -> list[str]:
    """Arguments as DuckDB SQL, parenthesized unless atomic, so templates cannot re-associate them."""
    atomic = (exp.Column, exp.Literal, exp.Paren, exp.Null, exp.Boolean, exp.Func)
    return [a.sql("duckdb") if isinstance(a, atomic) else f"({a.sql('duckdb')})" for a in args]


def _expand(template: str, args: list[exp.Expr]) -> str:
    sqls = _sqls(args)
    return template.replace("{*}", ", ".join(sqls)).format(*sqls)


# sqlglot parses some functions into typed nodes. These are the ones whose DuckDB rendering (or rewrite
# in ``_node_semantics`` / ``TYPED_REWRITES``) has Flink's meaning, checked by the function corpus
# (tests/functions) and the replay corpus. Any other function node is refused at translation.
TRANSLATED_NODES = frozenset({
    # aggregates and window functions
    exp.Count, exp.Sum, exp.Min, exp.Max, exp.Avg, exp.RowNumber, exp.Rank, exp.DenseRank,
    # conditionals and logic
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.And, exp.Or, exp.Exists,
    # casts, with Flink's rounding and printing (TYPED_REWRITES)
    exp.Cast, exp.TryCast,
    # rewritten in _node_semantics
    exp.Floor, exp.Ceil, exp.Extract, exp.JSONValue,
    # standard SQL string syntax
    exp.Substring, exp.StrPosition, exp.Trim,
})


# -- windows -----------------------------------------------------------------------------------------
EPOCH = "TIMESTAMP '1970-01-01 00:00:00'"
# {src}: the input relation, {ts}: its time column, {size}/{slide}/{step}/{gap}: intervals,
# {origin}: the epoch plus the offset, {keys}: PARTITION BY list ('' for none).
WINDOW_TEMPLATES = {
    "TUMBLE": "SELECT *, window_start + {size} AS window_end, window_start + {size} - INTERVAL 1 MILLISECOND "
              "AS window_time FROM (SELECT *, time_bucket({size}, {ts}, {origin}) AS window_start FROM {src})",
    "HOP": "SELECT *, window_start + {size} AS window_end, window_start + {size} - INTERVAL 1 MILLISECOND "
           "AS window_time FROM (SELECT *, unnest(generate_series(time_bucket({slide}, {ts}, {origin}) - {size} "
           "+ {slide}, time_bucket({slide}, {ts}, {origin}), {slide})) AS window_start FROM {src})",
    "CUMULATE": "SELECT *, window_end - INTERVAL 1 MILLISECOND AS window_time FROM (SELECT *, "
                "unnest(generate_series(time_bucket({step}, {ts}, {origin}) + {step}, window_start + {size}, "
                "{step})) AS window_end FROM (SELECT *, time_bucket({size}, {ts}, {origin}) AS window_start "
                "FROM {src}))",
    # Rows of one key closer than the gap share a session (touching sessions merge, as in Flink).
    "SESSION": "SELECT * EXCLUDE (__new_session, __session), min({ts}) OVER (PARTITION BY {keys_comma}__session) "
               "AS window_start, max({ts}) OVER (PARTITION BY {keys_comma}__session) + {gap} AS window_end, "
               "max({ts}) OVER (PARTITION BY {keys_comma}__session) + {gap} - INTERVAL 1 MILLISECOND AS window_time "
               "FROM (SELECT *, sum(__new_session) OVER ({partition} ORDER BY {ts} ROWS UNBOUNDED PRECEDING) "
               "AS __session FROM (SELECT *, CASE WHEN {ts} - lag({ts}) OVER ({partition} ORDER BY {ts}) <= {gap} "
               "THEN 0 ELSE 1 END AS __new_session FROM {src}))",
}
WINDOW_ARGUMENTS = {
    "TUMBLE": ("DATA", "TIMECOL", "SIZE", "OFFSET"),
    "HOP": ("DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"),
    "CUMULATE": ("DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"),
    "SESSION": ("DATA", "TIMECOL", "GAP"),
}
# Legacy GROUP BY windows: the window function, and what its auxiliary functions read.
GROUP_WINDOWS = {"TUMBLE": ("SIZE",), "HOP": ("SLIDE", "SIZE"), "SESSION": ("GAP",)}
GROUP_WINDOW_PROPERTIES = {"START": "window_start", "END": "window_end", "ROWTIME": "window_time"}


SOURCE_PLACEHOLDER = "__window_source__"


def window_relation(kind: str, source: exp.Expr, time_column: str, intervals: dict[str, exp.Expr],
                    keys: list[str], alias: str) -> exp.Subquery:
    """The window TVF ``kind`` over ``source`` (a table or subquery node) as a DuckDB subquery."""
    tree = sqlglot.parse_one(window_sql(kind, SOURCE_PLACEHOLDER, time_column, intervals, keys), read="duckdb")
    for table in list(tree.find_all(exp.Table)):
        if table.name == SOURCE_PLACEHOLDER:
            table.replace(source.copy())
    return tree.subquery(alias)


def window_sql(kind: str, source: str, time_column: str, intervals: dict[str, exp.Expr], keys: list[str]) -> str:
    def interval(name):
        node = intervals[name]
        return f"({node.sql('duckdb')})"

    origin = EPOCH + (f" + {interval('OFFSET')}" if intervals.get("OFFSET") is not None else "")
    values = {name.lower(): interval(name) for name in intervals if intervals[name] is not None}
    quoted = [exp.to_identifier(k).sql("duckdb") for k in keys]
    return WINDOW_TEMPLATES[kind].format(
        src=source, ts=exp.to_identifier(time_column).sql("duckdb"), origin=origin,
        keys_comma="".join(f"{k}, " for k in quoted), partition=f"PARTITION BY {', '.join(quoted)}" if quoted else "",
        **values)


class Translator:
    """Translates one job's queries. Holds the job (to resolve tables and views) and a schema of
    every table and view, so typed rules know integer from double."""

    def __init__(self, job: Job):
        self.job = job
        self.schema = MappingSchema(dialect=CaseSensitiveDuckDB, normalize=False)
        self.views: dict[str, exp.Query] = {}
        for table in job.tables.values():
            physical = {c.name: schema_type(c.type) for c in table.columns if c.in_replay_file}
            self.schema.add_table(table.name, physical, dialect=CaseSensitiveDuckDB)
            computed = {c.name: self.expression(c.computed, table.statement, table.name).type
                        for c in table.columns if c.computed is not None}
            if computed:
                self.schema.add_table(table.name, {**physical, **{k: v.sql("duckdb") for k, v in computed.items()}},
                                      dialect=CaseSensitiveDuckDB)
        for view in job.views.values():
            translated = self.query(view.query, view.statement)
            self.views[view.name] = translated
            self.schema.add_table(view.name, {s.alias_or_name: _type_name(s) for s in translated.selects},
                                  dialect=CaseSensitiveDuckDB)

    # -- entry points ----------------------------------------------------------------------------
    def query(self, query: exp.Query, stmt: Statement) -> exp.Query:
        query = query.copy()
        _refuse_untranslatable(query, stmt)
        _refuse_unknown_functions(query, stmt, {name.upper() for name in self.job.functions})
        query = self._structural(query, stmt)
        query = bottom_up(query, lambda node: _node_rules(node, stmt))
        query = query.transform(_timestamp_literal, copy=False)
        try:
            query = qualify(query, schema=self.schema, dialect=CaseSensitiveDuckDB, quote_identifiers=False,
                            validate_qualify_columns=False, identify=False)
        except OptimizeError as error:
            raise stmt.error(TranslationError, f"cannot resolve the query's columns: {error}", query) from None
        query = annotate_types(query, schema=self.schema, dialect=CaseSensitiveDuckDB)
        query = bottom_up(query, _typed_rewrite)
        query = query.transform(lambda node: self._arrival_order(node, stmt), copy=False)
        return query.transform(_duckdb_types, copy=False)

    def expression(self, node: exp.Expr, stmt: Statement, table: str) -> exp.Expr:
        """A computed column's expression over ``table``'s physical columns."""
        select = self.query(exp.select(exp.alias_(node.copy(), "c")).from_(table), stmt)
        return select.selects[0].this if isinstance(select.selects[0], exp.Alias) else select.selects[0]

    def _arrival_order(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        """Flink breaks ties in a ROW_NUMBER or ROWS frame ordering, and orders LISTAGG, by arrival. Over a
        source table read directly the replay sees arrival as file order (the table's rowid) and uses it;
        elsewhere it cannot: LISTAGG is refused, and a ranking or ROWS frame fails the replay when the data
        holds such a tie (and only then), naming it."""
        if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order) \
                and any(_is_rowid(o.this) for o in node.this.expressions):  # LISTAGG (see _listagg)
            if self._direct_source(node) is None:
                raise stmt.error(TranslationError, "LISTAGG concatenates in arrival order, which a replay knows only "
                                 "over a source table read directly", node, "aggregate the table itself")
            return node
        if not isinstance(node, exp.Window) or not node.args.get("order"):
            return node
        spec = node.args.get("spec")
        if not (isinstance(node.this, exp.RowNumber) or (spec is not None and str(spec.args.get("kind")).upper() == "ROWS")):
            return node
        order = node.args["order"]
        source = self._direct_source(node)
        if source is None:
            keys = [*(node.args.get("partition_by") or []), *(o.this for o in order.expressions)]
            ties = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[k.copy() for k in keys])
            message = exp.Literal.string(f"{stmt.path}:{stmt.line}: rows tie on the ordering of "
                                         f"{node.this.sql('duckdb')} OVER (...); Flink orders them by arrival, "
                                         "which this replay cannot see here (order by a unique column too)")
            checked = exp.Case(ifs=[exp.If(this=exp.GT(this=ties, expression=exp.Literal.number(1)),
                                           true=exp.func("error", message))], default=node.copy())
            checked.type = node.type
            return checked
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
        query = query.transform(lambda node: self._window_table_function(node, stmt), copy=False)
        query = query.transform(lambda node: self._group_window(node, stmt), copy=False)
        return query.transform(lambda node: self._temporal_join(node, stmt), copy=False)

    def _window_table_function(self, node: exp.Expr, stmt: Statement) -> exp.Expr:
        if not isinstance(node, WindowTableFunction):
            return node
        if node.this not in WINDOW_TEMPLATES:
            raise stmt.error(TranslationError, f"window TVF {node.this} is not a Flink window function", node)
        args = _window_arguments(node, WINDOW_ARGUMENTS[node.this], stmt)
        table, time_col = args.pop("DATA", None), args.pop("TIMECOL", None)
        if not isinstance(table, TableArgument) or not isinstance(time_col, Descriptor):
            raise stmt.error(TranslationError, f"{node.this} needs TABLE t and DESCRIPTOR(time column)", node)
        keys = [c.name for c in table.args.get("partition_by") or []]
        return window_relation(node.this, exp.to_table(table.this.name), time_col.expressions[0].name, args, keys,
                               node.alias or table.this.name)

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
        keys = [g.name for g in group.expressions if g is not window and isinstance(g, exp.Column)] \
            if kind == "SESSION" else []
        relation = window_relation(kind, source, time_col.name, dict(zip(GROUP_WINDOWS[kind], intervals)), keys,
                                   source.alias_or_name)
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
        return exp.Join(this=history.subquery(alias), method="ASOF", side=side or None,
                        on=exp.and_(condition.copy(), as_of))

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


def bottom_up(tree: exp.Expr, rewrite: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Apply ``rewrite`` to every node, children before parents, so a rule sees translated arguments.
    A replacement keeps the annotated type of the node it replaces."""
    for node in reversed(list(tree.walk())):  # reversed pre-order: descendants first
        new = rewrite(node)
        if new is not node:
            if new.type is None and node.type is not None:
                new.type = node.type
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
            known = name in FUNCTIONS or name in user_functions or name in GROUP_WINDOWS \
                or name.rpartition("_")[0] in GROUP_WINDOWS
        elif isinstance(node, exp.Func):
            name = node.sql_name() if hasattr(node, "sql_name") else type(node).__name__.upper()
            known = type(node) in TRANSLATED_NODES
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


def _node_rules(node: exp.Expr, stmt: Statement) -> exp.Expr:
    """A Flink function (``FUNCTIONS``) or a node with its own meaning (``_node_semantics``) as DuckDB SQL."""
    try:
        return _node_semantics(_flink_function(node, stmt))
    except ValueError as error:
        raise stmt.error(TranslationError, str(error), node) from None


def _flink_function(node: exp.Expr, stmt: Statement) -> exp.Expr:
    if not isinstance(node, exp.Anonymous):
        return node
    rule = FUNCTIONS.get(node.name.upper())
    if rule is None:
        return node  # a user function (model) or a DuckDB namesake with the same meaning
    args = list(node.expressions)
    try:
        sql = rule(args) if callable(rule) else _expand(rule, args)
    except (ValueError, IndexError) as error:
        raise stmt.error(TranslationError, f"{node.name.upper()}: {error}", node) from None
    return exp.paren(sqlglot.parse_one(sql, read="duckdb"), copy=False)


def _duckdb(sql: str) -> exp.Expr:
    """DuckDB SQL as a node that keeps its meaning wherever it is put (parenthesized unless atomic)."""
    node = sqlglot.parse_one(sql, read="duckdb")
    return node if isinstance(node, (exp.Func, exp.Column, exp.Literal, exp.Paren)) else exp.paren(node, copy=False)


JSON_TYPES = {  # IS JSON <kind>: the json_type() values it accepts (None: any valid JSON)
    "VALUE": None, "SCALAR": "NOT IN ('ARRAY', 'OBJECT')", "ARRAY": "= 'ARRAY'", "OBJECT": "= 'OBJECT'",
}
EXTRACT_WITHIN_SECOND = {  # EXTRACT(<unit>): Flink counts within the second, DuckDB from the minute
    "MILLISECOND": "millisecond({0}) % 1000", "MICROSECOND": "microsecond({0}) % 1000000",
    "NANOSECOND": "(microsecond({0}) % 1000000) * 1000",
}


def _is_json(node: exp.Is) -> exp.Expr:
    value = node.this.sql("duckdb")
    kind = (node.expression.this or "VALUE").upper() if isinstance(node.expression.this, str) \
        else node.expression.name.upper() or "VALUE"
    condition = JSON_TYPES[kind]
    test = f"json_valid({value})" + (f" AND json_type({value}) {condition}" if condition else "")
    return _duckdb(f"coalesce({test}, false)")


def _json_value(node: exp.JSONValue) -> exp.Expr:
    """JSON_VALUE with Flink's path modes (lax: a missing path is empty; strict: an error) and its ON EMPTY /
    ON ERROR defaults (NULL unless given); an array or object, or text that is not JSON, is an error."""
    value, path = node.this.sql("duckdb"), node.args["path"]
    if not (isinstance(path, exp.Literal) and path.is_string):
        raise ValueError("JSON_VALUE needs a literal path to be replayed")
    mode, _, bare = path.name.strip().partition(" ") if path.name.strip()[:1] in "ls" else ("lax", "", path.name)
    if mode not in ("lax", "strict"):
        raise ValueError(f"JSON path mode {mode!r} is not Flink's (lax or strict)")
    condition = node.args.get("on_condition")
    defaults = {}
    for clause in ("empty", "error"):
        given = condition.args.get(clause) if condition is not None else None
        # Flink 2.3 was seen to give NULL for a missing lax path whatever DEFAULT ... ON EMPTY says.
        if given is not None and not isinstance(given, exp.Null) and \
                (clause == "empty" or not isinstance(given, exp.Literal)):
            raise ValueError(f"JSON_VALUE ... {given.sql()} ON {clause.upper()} is not replayed yet")
        defaults[clause] = given.sql("duckdb") if given is not None else "NULL"
    path_sql = exp.Literal.string(bare.strip()).sql("duckdb")
    extracted = f"json_extract({value}, {path_sql})"
    missing = defaults["error"] if mode == "strict" else defaults["empty"]
    sql = (f"CASE WHEN {value} IS NULL THEN NULL WHEN NOT json_valid({value}) THEN {defaults['error']} "
           f"WHEN {extracted} IS NULL THEN {missing} "
           f"WHEN json_type({extracted}) IN ('ARRAY', 'OBJECT') THEN {defaults['error']} "
           f"WHEN json_type({extracted}) = 'NULL' THEN NULL "
           f"ELSE json_extract_string({value}, {path_sql}) END")
    if isinstance(node.args.get("returning"), exp.DataType):
        sql = f"CAST({sql} AS {node.args['returning'].sql('duckdb')})"
    return _duckdb(sql)


def _interval_span(node: exp.Interval) -> exp.Expr:
    """``INTERVAL '1 02:03:04' DAY TO SECOND`` and ``INTERVAL '1-2' YEAR TO MONTH`` as DuckDB intervals."""
    text = node.this.name.strip() if isinstance(node.this, exp.Literal) else None
    first, last = node.unit.this.name.upper(), node.unit.expression.name.upper()
    if text is None:
        raise ValueError("an interval span needs a literal")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if (first, last) == ("YEAR", "MONTH"):
        years, _, months = text.partition("-")
        return _duckdb(f"to_months({sign * (int(years) * 12 + int(months or 0))})")
    units = ["DAY", "HOUR", "MINUTE", "SECOND"]
    if first not in units or last not in units or units.index(first) > units.index(last):
        raise ValueError(f"interval {first} TO {last} is not Flink's")
    fields = [f for f in re.split(r"[ :]", text) if f]
    wanted = units[units.index(first):units.index(last) + 1]
    if len(fields) != len(wanted):
        raise ValueError(f"interval text {text!r} does not fit {first} TO {last}")
    scale = {"DAY": 86_400_000_000, "HOUR": 3_600_000_000, "MINUTE": 60_000_000, "SECOND": 1_000_000}
    micros = sum(round(float(f) * scale[u]) for f, u in zip(fields, wanted))
    return _duckdb(f"to_microseconds({sign * micros})")


def _similar_to(node: exp.SimilarTo) -> exp.Expr:
    """SQL's SIMILAR TO (``%`` and ``_`` wildcards, regular expression operators) as a whole-text match."""
    pattern = node.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string) or node.args.get("escape"):
        raise ValueError("SIMILAR TO needs a literal pattern without ESCAPE to be replayed")
    regex = "".join(".*" if c == "%" else "." if c == "_" else c for c in pattern.name)
    return _duckdb(f"regexp_full_match({node.this.sql('duckdb')}, {exp.Literal.string(regex).sql('duckdb')})")


def _node_semantics(node: exp.Expr) -> exp.Expr:
    """Nodes sqlglot knows whose DuckDB rendering would mean something else than in Flink."""
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.JSON):
        return _is_json(node)
    if isinstance(node, exp.JSONValue):
        return _json_value(node)
    if isinstance(node, exp.Interval) and isinstance(node.args.get("unit"), exp.IntervalSpan):
        return _interval_span(node)
    if isinstance(node, exp.SimilarTo):
        return _similar_to(node)
    if isinstance(node, exp.Substring):
        args = [node.this, node.args.get("start") or exp.Literal.number(1)]
        return _duckdb(_substring(args + ([node.args["length"]] if node.args.get("length") else [])))
    if isinstance(node, exp.Extract):
        unit, value = node.this.name.upper(), node.expression.sql("duckdb")
        if unit in ("DOW", "DAYOFWEEK"):
            return _duckdb(f"CAST(dayofweek({value}) + 1 AS BIGINT)")
        if unit in EXTRACT_WITHIN_SECOND:
            return _duckdb(f"CAST({EXTRACT_WITHIN_SECOND[unit].format(value)} AS BIGINT)")
        return exp.cast(node, exp.DType.BIGINT)
    return node


def _is(node: exp.Expr, *types) -> bool:
    return node.type is not None and node.type.is_type(*types)


TIMESTAMPS = (exp.DType.TIMESTAMP, exp.DType.TIMESTAMPNTZ, exp.DType.TIMESTAMP_MS, exp.DType.TIMESTAMP_S,
              exp.DType.TIMESTAMP_NS)
INTEGERS = (exp.DType.TINYINT, exp.DType.SMALLINT, exp.DType.INT, exp.DType.BIGINT)
FRACTIONAL = (exp.DType.DOUBLE, exp.DType.FLOAT, exp.DType.DECIMAL)


def _is_rowid(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and node.name == "rowid"


def _typed_rewrite(node: exp.Expr) -> exp.Expr:
    rule = TYPED_REWRITES.get(type(node))
    return rule(node) if rule else node


def _integer_division(node: exp.Div) -> exp.Expr:
    # Flink: INT / INT is an INT, truncated toward zero (DuckDB's // truncates too).
    if _is(node.this, *INTEGERS) and _is(node.expression, *INTEGERS):
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
    if isinstance(avg, exp.Avg) and _is(avg.this, *INTEGERS):
        return exp.cast(exp.func("trunc", node.copy()), avg.this.type.copy())
    return node


INTEGER_BITS = {exp.DType.TINYINT: 8, exp.DType.SMALLINT: 16, exp.DType.INT: 32, exp.DType.BIGINT: 64}
STRINGS = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR)
MAX_DECIMAL_PRECISION = 38


def _integer_type(node: exp.Expr) -> exp.DType | None:
    return next((t for t in INTEGER_BITS if _is(node, t)), None)


def _wrapped(sql: str, kind: exp.DType) -> exp.Expr:
    """An integer computed without overflow (in HUGEINT), wrapped into ``kind`` as Java's arithmetic does:
    Flink's INT 2147483647 + 1 is -2147483648 where DuckDB raises an error."""
    modulus, half = 2 ** INTEGER_BITS[kind], 2 ** (INTEGER_BITS[kind] - 1)
    name = exp.DataType.build(kind).sql("duckdb")
    new = _duckdb(f"CAST(((({sql}) + {half}) % {modulus} + {modulus}) % {modulus} - {half} AS {name})")
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
    new = _duckdb(sql)
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
        new = _duckdb(sql)
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


def _timestamp_literal(node: exp.Expr) -> exp.Expr:
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


def _duckdb_types(node: exp.Expr) -> exp.Expr:
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


def _type_name(select: exp.Expr) -> str:
    kind = select.type
    return "UNKNOWN" if kind is None or kind.is_type(exp.DType.UNKNOWN) else kind.sql("duckdb")


def duckdb_type(dtype: exp.DataType) -> str:
    return _duckdb_types(dtype.copy()).sql("duckdb")
