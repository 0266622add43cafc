"""Flink's functions and the nodes whose meaning differs, as DuckDB SQL (before types are known).

``FUNCTIONS`` maps a Flink function (parsed as ``exp.Anonymous``, see dialect.FLINK_FUNCTIONS) to a DuckDB
template (``{0}``, ``{1}``, ... the arguments; ``{*}`` all of them) or to a function of the argument nodes
returning DuckDB SQL; ``JAVA_DATE_PATTERNS`` maps Java date patterns to strftime; ``node_semantics``
rewrites sqlglot nodes that DuckDB would read with another meaning. Rules that need the arguments' types
run later (typed.py).
"""

from __future__ import annotations

import re
from typing import Callable

import sqlglot
from sqlglot import exp

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
    # streamscore's monitoring aggregates (streamscore.monitoring): the group's values to a Python function
    "STREAMSCORE_AUC": "__streamscore_auc(list(struct_pack(s := CAST({0} AS DOUBLE), l := CAST({1} AS BOOLEAN))))",
    "STREAMSCORE_PSI": "__streamscore_psi(list(CAST({0} AS DOUBLE)), {1}, {2})",
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


def expand_template(template: str, args: list[exp.Expr]) -> str:
    sqls = _sqls(args)
    return template.replace("{*}", ", ".join(sqls)).format(*sqls)


def duckdb_node(sql: str) -> exp.Expr:
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
    return duckdb_node(f"coalesce({test}, false)")


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
    return duckdb_node(sql)


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
        return duckdb_node(f"to_months({sign * (int(years) * 12 + int(months or 0))})")
    units = ["DAY", "HOUR", "MINUTE", "SECOND"]
    if first not in units or last not in units or units.index(first) > units.index(last):
        raise ValueError(f"interval {first} TO {last} is not Flink's")
    fields = [f for f in re.split(r"[ :]", text) if f]
    wanted = units[units.index(first):units.index(last) + 1]
    if len(fields) != len(wanted):
        raise ValueError(f"interval text {text!r} does not fit {first} TO {last}")
    scale = {"DAY": 86_400_000_000, "HOUR": 3_600_000_000, "MINUTE": 60_000_000, "SECOND": 1_000_000}
    micros = sum(round(float(f) * scale[u]) for f, u in zip(fields, wanted))
    return duckdb_node(f"to_microseconds({sign * micros})")


def _similar_to(node: exp.SimilarTo) -> exp.Expr:
    """SQL's SIMILAR TO (``%`` and ``_`` wildcards, regular expression operators) as a whole-text match."""
    pattern = node.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string) or node.args.get("escape"):
        raise ValueError("SIMILAR TO needs a literal pattern without ESCAPE to be replayed")
    regex = "".join(".*" if c == "%" else "." if c == "_" else c for c in pattern.name)
    return duckdb_node(f"regexp_full_match({node.this.sql('duckdb')}, {exp.Literal.string(regex).sql('duckdb')})")


def node_semantics(node: exp.Expr) -> exp.Expr:
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
        return duckdb_node(_substring(args + ([node.args["length"]] if node.args.get("length") else [])))
    if isinstance(node, exp.Extract):
        unit, value = node.this.name.upper(), node.expression.sql("duckdb")
        if unit in ("DOW", "DAYOFWEEK"):
            return duckdb_node(f"CAST(dayofweek({value}) + 1 AS BIGINT)")
        if unit in EXTRACT_WITHIN_SECOND:
            return duckdb_node(f"CAST({EXTRACT_WITHIN_SECOND[unit].format(value)} AS BIGINT)")
        return exp.cast(node, exp.DType.BIGINT)
    return node
