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

from streamscore.sql.dialect import DuckDBAsWritten

# -- the allow-list of typed nodes, and what no replay can compute ------------------------------------
# Functions whose result depends on processing, not on the data, which no stated clock gives (the clock
# functions, CURRENT_TIMESTAMP and its kin, are streamscore.sql.clock's).
PROCESSING_TIME_FUNCTIONS = {"PROCTIME", "TUMBLE_PROCTIME", "HOP_PROCTIME", "SESSION_PROCTIME", "UUID", "RAND",
                             "RAND_INTEGER"}

# sqlglot parses some functions into typed nodes. These are the ones whose DuckDB rendering (or rewrite
# in ``node_semantics`` / ``TYPED_REWRITES``) has Flink's meaning, checked by the function corpus
# (tests/functions) and the replay corpus. Any other function node is refused at translation.
TRANSLATED_NODES = frozenset({
    # aggregates and window functions
    exp.Count, exp.Sum, exp.Min, exp.Max, exp.Avg, exp.RowNumber, exp.Rank, exp.DenseRank,
    # Flink's plans of these, in the argument's type (typed.py); LEAD is refused as Flink refuses it
    exp.StddevPop, exp.StddevSamp, exp.Stddev, exp.VariancePop, exp.Variance, exp.Lag, exp.Lead,
    exp.FirstValue, exp.LastValue,
    # conditionals and logic
    exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.And, exp.Or, exp.Exists,
    # casts, with Flink's rounding and printing (TYPED_REWRITES)
    exp.Cast, exp.TryCast,
    # rewritten in node_semantics
    exp.Floor, exp.Ceil, exp.Extract, exp.JSONValue,
    # standard SQL string syntax
    exp.Substring, exp.StrPosition, exp.Trim,
    # ROW(...) (node_semantics)
    exp.Struct,
})


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
    if part in ("hour", "minute", "second"):  # refused for a DATE (typed.py)
        return f"__flink_time_of_day({{0}}, CAST({part}({{0}}) AS BIGINT))"
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
    # Flink takes a TIMESTAMP or text, not a DATE (its planner fails: so does the replay).
    return (f"CASE WHEN typeof({value}) = 'DATE' THEN error('DATE_FORMAT takes a TIMESTAMP or a STRING, not a DATE') "
            f"ELSE strftime(CAST({value} AS TIMESTAMP), {fmt}) END")


def _parse_timestamp(args: list[exp.Expr], function: str) -> str:
    value = _sqls(args[:1])[0]
    if len(args) > 1:
        fmt = _strftime_literal(args[1], function)
        parsed = f"try_strptime({value}, {fmt})"
        # Java's parser counts from 1970-01-01 where the pattern has no year; DuckDB's from 1900-01-01.
        return parsed if re.search(r"%-?[Yy]", fmt) else f"({parsed} + INTERVAL 70 YEAR)"
    # The default pattern takes an optional fraction of a second (up to nanoseconds), or a date alone.
    return (f"coalesce(try_strptime({value}, '%Y-%m-%d %H:%M:%S.%g'), try_strptime({value}, '%Y-%m-%d %H:%M:%S'), "
            f"try_strptime({value}, '%Y-%m-%d %H:%M:%S.%f'), try_strptime({value}, '%Y-%m-%d %H:%M:%S.%n'), "
            f"try_strptime({value}, '%Y-%m-%d'))")


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
    exact = f"CAST({value} AS DECIMAL(38, 6))"  # exact: a double would lose microseconds near year 9999
    seconds = exact if precision == "0" else f"({exact} / 1000)"
    micros = f"({exact} * {1000000 if precision == '0' else 1000})"
    # Flink's TIMESTAMP_LTZ holds years 0000-9999: an epoch beyond them is NULL.
    return (f"CASE WHEN abs({seconds}) < 253402300800 THEN "
            f"CAST(make_timestamptz(CAST(round({micros}) AS BIGINT)) AS TIMESTAMPTZ) END")


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
    if unit in ("second", "minute", "hour"):
        # Flink: a DATE plus hours, minutes or seconds is a TIMESTAMP (the typed rewrite reads the marker).
        return f"(__flink_date_as_timestamp({value}) + CAST({amount} AS BIGINT) * INTERVAL 1 {unit})"
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
    # An empty delimiter splits at each whitespace character (Java's split with no separator).
    fields = f"CASE WHEN {sep} = '' THEN string_split_regex({value}, '\\s') ELSE string_split({value}, {sep}) END"
    return (f"CASE WHEN {index} >= 0 AND {value} <> '' AND {sep} IS NOT NULL "
            f"THEN ({fields})[{index} + 1] END")  # a NULL delimiter: NULL


def _java_pattern(node: exp.Expr, function: str) -> bool:
    """Whether a literal pattern is valid (False: Flink gives NULL); refuses Java-only syntax Python lacks."""
    if not (isinstance(node, exp.Literal) and node.is_string):
        return True
    if re.search(r"\\[pP]\{|\\Q|[*+?}]\+", node.name):
        raise ValueError(f"{function}: Java's regular expression syntax (\\p{{...}}, \\Q, possessive "
                         "quantifiers) is not replayed yet")
    try:
        re.compile(node.name)
    except re.error:
        return False
    return True


def _regexp_extract(args: list[exp.Expr]) -> str:
    if not _java_pattern(args[1], "REGEXP_EXTRACT"):
        return "CAST(NULL AS VARCHAR)"  # Flink: an invalid pattern gives NULL
    value, pattern = _sqls(args[:2])
    group = _sqls(args[2:3])[0] if len(args) > 2 else "0"  # Flink: the whole match by default
    return f"__flink_regexp_extract({value}, {pattern}, CAST({group} AS INTEGER))"


def _regexp_replace(args: list[exp.Expr]) -> str:
    # Flink replaces with the text as written ($1 is not a group reference).
    if not _java_pattern(args[1], "REGEXP_REPLACE"):
        return "CAST(NULL AS VARCHAR)"  # Flink: an invalid pattern gives NULL
    return "__flink_regexp_replace({0}, {1}, {2})".format(*_sqls(args))


def _regexp_function(template: str, function: str) -> Callable[[list[exp.Expr]], str]:
    def build(args: list[exp.Expr]) -> str:
        if not _java_pattern(args[1], function):
            raise ValueError(f"{function} of an invalid pattern is not replayed yet")
        return expand_template(template, args)
    return build


def _null_if_any_null(function: str) -> Callable[[list[exp.Expr]], str]:
    # Flink's GREATEST/LEAST are NULL when any argument is; DuckDB's skip NULLs.
    def build(args: list[exp.Expr]) -> str:
        sqls = _sqls(args)
        return f"CASE WHEN {' OR '.join(f'{a} IS NULL' for a in sqls)} THEN NULL ELSE {function}({', '.join(sqls)}) END"
    return build


def _constant(node: exp.Expr) -> bool:
    """A literal number, or its negation."""
    while isinstance(node, (exp.Neg, exp.Paren)):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string


ROUND_DIGITS = 18  # DuckDB's round takes constant digits: a column's digits are spelled out up to this many


def _round(args: list[exp.Expr]) -> str:
    # By the value's type (typed.py): integers wrap as Java's do, NaN fails, a DECIMAL to a column's digits
    # is refused.
    value = _sqls(args[:1])[0]
    digits = _sqls(args[1:2])[0] if len(args) > 1 else "0"
    return f"__flink_round_of({value}, {digits}, {'true' if len(args) < 2 or _constant(args[1]) else 'false'})"


def round_sql(value: str, digits: str, constant: bool) -> str:
    """Flink's ROUND as DuckDB SQL (the __flink_round macro needs constant digits)."""
    if constant:
        return f"__flink_round({value}, {digits})"
    cases = " ".join(f"WHEN {digits} = {k} THEN __flink_round({value}, {k})"
                     for k in range(-ROUND_DIGITS, ROUND_DIGITS + 1))
    # More digits than a DECIMAL(38, 18) holds leave the value as it is.
    return (f"CASE WHEN {digits} IS NULL THEN NULL {cases} WHEN {digits} > {ROUND_DIGITS} "
            f"THEN __flink_round({value}, {ROUND_DIGITS}) ELSE error('ROUND: fewer than -{ROUND_DIGITS} digits "
            f"are not replayed') END")


def _truncate(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    digits = _sqls(args[1:2])[0] if len(args) > 1 else "0"
    return f"__flink_truncate_of({value}, {digits})"  # by the value's type (typed.py)


def _trim_chars(side: str) -> Callable[[list[exp.Expr]], str]:
    def build(args: list[exp.Expr]) -> str:
        return f"{side}({', '.join(_sqls(args))})"  # the second argument: the characters to remove
    return build


def _substring(args: list[exp.Expr]) -> str:
    value, start, *length = _sqls(args)
    # Flink reads a start of 0 as 1 (SQL's standard would count the position before the first character).
    start = f"CASE WHEN {start} = 0 THEN 1 ELSE {start} END"
    if not length:  # Flink: a negative start before the text's beginning gives ''
        return f"CASE WHEN {start} < -length({value}) THEN '' ELSE substring({value}, {start}) END"
    # Flink: a negative length is NULL (DuckDB counts it backwards from the start).
    return f"CASE WHEN {length[0]} >= 0 THEN substring({value}, {start}, {length[0]}) END"


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
    return (f"CAST(CASE WHEN {start[0]} <= 1 THEN instr({value}, {needle}) WHEN {needle} = '' THEN 1 "
            f"WHEN {found} = 0 THEN 0 "
            f"ELSE {found} + {start[0]} - 1 END AS INTEGER)")


def _instr(args: list[exp.Expr]) -> str:
    value, needle, *rest = _sqls(args)
    if not rest:
        return f"CAST(instr({value}, {needle}) AS INTEGER)"
    start, nth = rest[0], rest[1] if len(rest) > 1 else "1"
    # Flink: the nth appearance (overlapping ones count) from the start; a negative start searches backwards
    # from that position counted from the end (the match must end there or before); 0 is never found.
    found = f"substring({value}, p, length({needle})) = {needle}"
    forward = f"list_filter(range({start}, length({value}) - length({needle}) + 2), lambda p: {found})"
    backward = (f"list_reverse(list_filter(range(1, length({value}) + {start} + 3 - length({needle})), "
                f"lambda p: {found}))")
    return (f"CAST(CASE WHEN {value} IS NULL OR {needle} IS NULL OR {start} IS NULL OR {nth} IS NULL THEN NULL "
            f"WHEN {nth} <= 0 THEN error('INSTR: the occurrence must be positive') WHEN {start} = 0 THEN 0 "
            f"WHEN {needle} = '' THEN 1 "
            f"WHEN {start} > 0 THEN coalesce({forward}[{nth}], 0) ELSE coalesce({backward}[{nth}], 0) END AS INTEGER)")


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
    # Flink fails on a bit length other than 224, 256, 384 and 512.
    return (f"CASE WHEN {bits} IS NULL THEN NULL WHEN {bits} NOT IN (224, 256, 384, 512) THEN "
            f"error('SHA2: unsupported algorithm') ELSE __flink_hash('sha' || CAST({bits} AS VARCHAR), {value}) END")


def _json_path_text(node: exp.Expr, function: str) -> str:
    """A literal JSON path without its lax/strict mode (which JSON_EXISTS answers alike without ON ERROR)."""
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise ValueError(f"{function} needs a literal path to be replayed")
    path = re.sub(r"^\s*(lax|strict)\s+", "", node.name)
    if ".." in path or "?" in path:
        raise ValueError(f"{function} with a recursive or filter path is not replayed yet")
    return exp.Literal.string(path).sql("duckdb")


JSON_STRING_TEXT = '"(?:[^"\\\\]|\\\\.)*"'  # a JSON string literal, as RE2 reads it inside SQL quotes


def json_valid(value: str, comments: bool = False) -> str:
    """JSON as Flink's parser takes it: DuckDB's also takes trailing commas, NaN and Infinity, and does not take
    comments, which Flink's does. With ``comments`` a document with comments is valid (IS JSON); without, the
    replay fails on it (the other functions read the document with DuckDB's parser)."""
    bare = f"regexp_replace({value}, '{JSON_STRING_TEXT}', '\"\"', 'g')"  # strings emptied
    lenient = "',\\s*[]}]|[^A-Za-z](NaN|Infinity)|^\\s*-?(NaN|Infinity)'"
    if comments:
        plain = f"regexp_replace({value}, '({JSON_STRING_TEXT})|//[^\\n]*|(?s:/[*].*?[*]/)', '\\1', 'g')"
        return f"(json_valid({plain}) AND NOT regexp_matches({bare}, {lenient}))"
    commented = (f"CASE WHEN regexp_matches({bare}, '//|/[*]') THEN error('a JSON document with comments is not "
                 f"replayed (Flink reads it, DuckDB does not)') ELSE true END")
    return f"(json_valid({value}) AND NOT regexp_matches({bare}, {lenient}) OR NOT json_valid({value}) AND {commented} AND false)"


def duplicate_keys(value: str, function: str) -> str:
    """A condition naming a document whose top-level object repeats a key: Flink reads the last, DuckDB the
    first, so the replay fails there (nested repeats are not seen)."""
    keys = f"json_keys(CASE WHEN json_valid({value}) THEN {value} END)"  # a constant is folded: never invalid
    return (f"WHEN len({keys}) <> len(list_distinct({keys})) THEN error('{function}: the "
            f"document repeats a key (Flink reads the last, DuckDB the first): replay this job with --engine flink') ")


def _json_exists(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    path = _json_path_text(args[1], "JSON_EXISTS")
    # Flink (lax): a path with a wildcard exists when the part before the wildcard does (even a JSON null),
    # matches or not.
    wildcard = re.search(r"\[\s*\*\s*\]|\.\*", path)
    if wildcard:
        return (f"CASE WHEN {value} IS NULL THEN NULL WHEN NOT {json_valid(value)} THEN false "
                f"ELSE json_extract({value}, {path[:wildcard.start()]}') IS NOT NULL END")
    # Flink: text that is not JSON does not hold the path (FALSE ON ERROR); a JSON null does not either.
    return (f"CASE WHEN {value} IS NULL THEN NULL WHEN NOT {json_valid(value)} THEN false "
            f"ELSE coalesce(json_type(json_extract({value}, {path})) <> 'NULL', false) END")


URL_PARTS = ("HOST", "PATH", "QUERY", "REF", "PROTOCOL", "FILE", "AUTHORITY", "USERINFO")


def _parse_url(args: list[exp.Expr]) -> str:
    url, part, *key = _sqls(args)
    # java.net.URL takes spaces (the helper does not: they pass through as \x01) and lower-cases the protocol;
    # the part's name is case-sensitive.
    spaced = f"replace({url}, ' ', chr(1))"
    found = f"__flink_parse_url_query({spaced}, {part}, {key[0]})" if key else f"__flink_parse_url({spaced}, {part})"
    wanted = "= 'QUERY'" if key else f"IN ({', '.join(repr(p) for p in URL_PARTS)})"
    return (f"CASE WHEN {part} {wanted} THEN CASE WHEN {part} = 'PROTOCOL' THEN lower({found}) "
            f"ELSE replace({found}, chr(1), ' ') END END")


def _url_decode(args: list[exp.Expr]) -> str:
    value = _sqls(args)[0]
    if isinstance(args[0], exp.Literal) and args[0].is_string:  # decoded here, as Java's URLDecoder does
        import urllib.parse

        text = args[0].name
        if re.search(r"%(?![0-9A-Fa-f]{2})", text):
            return "CAST(NULL AS VARCHAR)"
        return exp.Literal.string(urllib.parse.unquote_plus(text, errors="replace")).sql("duckdb")
    # Escapes that are not UTF-8 are U+FFFD in Flink; the helper gives NULL for them, so the replay fails there.
    malformed = f"regexp_matches({value}, '%([^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)')"
    return (f"CASE WHEN {value} IS NOT NULL AND __flink_url_decode({value}) IS NULL AND NOT {malformed} THEN "
            f"error('URL_DECODE: escapes that are not UTF-8 (Flink writes U+FFFD for them) are not replayed') "
            f"ELSE __flink_url_decode({value}) END")


def _btrim(args: list[exp.Expr]) -> str:
    return "trim({0})".format(*_sqls(args)) if len(args) == 1 else "trim({0}, {1})".format(*_sqls(args))


def _to_date(args: list[exp.Expr]) -> str:
    value = _sqls(args[:1])[0]
    if len(args) > 1:
        raise ValueError("TO_DATE with a pattern parses leniently in Flink (Java's SimpleDateFormat: text after "
                         "the date is ignored, 2024-02-30 is March 1st), which is not replayed yet")
    # Flink's default: the text before the first space (after leading ones) is the date.
    return f"CAST(try_strptime(split_part(ltrim({value}), ' ', 1), '%Y-%m-%d') AS DATE)"


def _elt(args: list[exp.Expr]) -> str:
    if isinstance(args[0], exp.Neg) and _constant(args[0]):
        raise ValueError("ELT with a negative index fails Flink's planner")
    index, *values = _sqls(args)
    return f"CASE WHEN {index} >= 1 THEN [{', '.join(values)}][{index}] END"


def _listagg(args: list[exp.Expr]) -> str:
    if args and isinstance(args[0], exp.Distinct):
        raise ValueError("LISTAGG(DISTINCT ...) is not replayed yet (the order of the kept values is not known)")
    value = _sqls(args[:1])[0]
    sep = _sqls(args[1:2])[0] if len(args) > 1 else "','"
    # Flink concatenates in arrival order: the input's row order, kept by DuckDB's rowid.
    return f"string_agg({value}, {sep} ORDER BY rowid)"


def _json_query(args: list[exp.Expr]) -> str:
    value, path = _sqls(args[:2])
    extracted = f"json_extract({value}, {path})"
    # Flink writes numbers back as written (1.50): DuckDB's reader keeps only their doubles.
    if isinstance(args[0], exp.Literal) and args[0].is_string and re.search(UNFAITHFUL_JSON_NUMBER, args[0].name):
        raise ValueError("JSON_QUERY of a document with a number DuckDB cannot give back as written (Flink keeps "
                         "its digits: 1.50, 1E+2) is not replayed")
    pattern = exp.Literal.string(UNFAITHFUL_JSON_NUMBER).sql("duckdb")
    # Flink writes the value back with its object keys in order, without spaces.
    return (f"CASE WHEN {json_valid(value)} AND json_type({extracted}) IN ('ARRAY', 'OBJECT') "
            f"THEN CASE {duplicate_keys(value, 'JSON_QUERY')}WHEN regexp_matches({value}, {pattern}) THEN error('JSON_QUERY: the document holds a number "
            f"DuckDB cannot give back as written (Flink keeps its digits)') "
            f"ELSE __flink_json_text(CAST({extracted} AS VARCHAR)) END END")


def _json_quote(args: list[exp.Expr]) -> str:
    """Flink's JSON_QUOTE: quotes, backslash and / escaped, control characters and every character past ASCII
    as \\uXXXX (lower-case hex; UTF-16 surrogate pairs past the BMP)."""
    value = _sqls(args)[0]
    u4 = "'\\u' || lpad(lower(hex({0})), 4, '0')"
    cp = "unicode(c)"
    escaped = (f"CASE WHEN c = '\"' THEN '\\\"' WHEN c = '\\' THEN '\\\\' WHEN c = '/' THEN '\\/' "
               f"WHEN c = chr(8) THEN '\\b' WHEN c = chr(12) THEN '\\f' WHEN c = chr(10) THEN '\\n' "
               f"WHEN c = chr(13) THEN '\\r' WHEN c = chr(9) THEN '\\t' "
               f"WHEN {cp} < 32 OR ({cp} > 127 AND {cp} < 65536) THEN {u4.format(cp)} "
               # past the BMP Flink writes the code point's hex, then the low surrogate (😀: \\u1f600\\ude00)
               f"WHEN {cp} >= 65536 THEN '\\u' || lower(hex({cp})) || "
               f"{u4.format(f'56320 + ({cp} - 65536) % 1024')} ELSE c END")
    return (f"CASE WHEN {value} IS NULL THEN NULL WHEN {value} = '' THEN '\"\"' ELSE '\"' || "
            f"array_to_string(list_transform(string_split({value}, ''), lambda c: {escaped}), '') || '\"' END")


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
    "REGEXP": lambda args: _regexp_function(  # Flink: the empty pattern matches nothing
        "CASE WHEN {1} = '' THEN false ELSE regexp_matches({0}, {1}) END", "REGEXP")(args),
    "LOCATE": _locate,
    "INSTR": _instr,
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
    # Java's final sigma: a capital sigma after a letter and not before one is lower-cased to ς.
    "LOWER": "regexp_replace(lower({0}), '(\\pL)σ(\\PL|$)', '\\1ς\\2', 'g')",
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
    # Flink: the character of the code mod 256; a negative code is the empty string.
    "CHR": "CASE WHEN {0} < 0 THEN '' ELSE __flink_chr(CAST({0} AS BIGINT)) END",
    "TO_BASE64": "to_base64(encode({0}))",
    "FROM_BASE64": "decode(from_base64({0} || repeat('=', (4 - length({0}) % 4) % 4)))",  # padding optional
    "STARTSWITH": "starts_with({0}, {1})",
    "ENDSWITH": "suffix({0}, {1})",
    "BTRIM": _btrim,
    "TRANSLATE": "translate({0}, {1}, {2})",
    "ELT": _elt,
    # Flink: FALSE (not NULL) for NULL.
    # Java's Character.isLetter / isDigit (any script); IS_DECIMAL: Java's Double.parseDouble (spaces around,
    # NaN, Infinity) or BigDecimal (digits of any script) reads the text.
    "IS_ALPHA": "coalesce(regexp_full_match({0}, '\\pL+'), false)",
    "IS_DIGIT": "coalesce(regexp_full_match({0}, '\\p{{Nd}}+'), false)",
    "IS_DECIMAL": "coalesce(regexp_full_match({0}, '\\s*[+-]?(NaN|Infinity|([0-9]+[.]?[0-9]*|[.][0-9]+)"
                  "([eE][+-]?[0-9]+)?[fFdD]?)\\s*') OR regexp_full_match({0}, '[+-]?(\\p{{Nd}}+[.]?\\p{{Nd}}*|"
                  "[.]\\p{{Nd}}+)([eE][+-]?\\p{{Nd}}+)?'), false)",
    "REGEXP_COUNT": _regexp_function("CAST(__flink_regexp_count({0}, {1}) AS INTEGER)", "REGEXP_COUNT"),
    "REGEXP_INSTR": _regexp_function("CAST(__flink_regexp_instr({0}, {1}) AS INTEGER)", "REGEXP_INSTR"),
    "REGEXP_SUBSTR": _regexp_function("__flink_regexp_extract({0}, {1}, 0)", "REGEXP_SUBSTR"),
    "PARSE_URL": _parse_url,
    "URL_ENCODE": "__flink_url_encode({0})",
    "URL_DECODE": _url_decode,
    "TO_DATE": _to_date,
    "CONVERT_TZ": "strftime(timezone({2}, timezone({1}, CAST({0} AS TIMESTAMP))), '%Y-%m-%d %H:%M:%S')",
    "JSON_EXISTS": _json_exists,
    "JSON_STRING": "__flink_json_string({0})",  # by the argument's type (typed.py)
    "JSON_QUOTE": _json_quote,
    "JSON_UNQUOTE": "__flink_json_unquote({0})",
    "LTRIM": _trim_chars("ltrim"),
    "RTRIM": _trim_chars("rtrim"),
    "REPLACE": _replace,
}


def _sqls(args: list[exp.Expr]) -> list[str]:
    """Arguments as DuckDB SQL, parenthesized unless atomic, so templates cannot re-associate them. Flink's
    IF stays a marker (DuckDB's SQL would make it a CASE, whose type rule differs: typed.py)."""
    atomic = (exp.Column, exp.Literal, exp.Paren, exp.Null, exp.Boolean, exp.Func)
    args = [a.transform(_if_marker) for a in args]
    return [a.sql("duckdb") if isinstance(a, atomic) else f"({a.sql('duckdb')})" for a in args]


def _if_marker(node: exp.Expr) -> exp.Expr:
    if not isinstance(node, exp.If) or isinstance(node.parent, exp.Case):  # a CASE's WHEN ... THEN
        return node
    return exp.Anonymous(this="__flink_if", expressions=[node.this, node.args.get("true") or exp.Null(),
                                                           node.args.get("false") or exp.Null()])


def expand_template(template: str, args: list[exp.Expr]) -> str:
    sqls = _sqls(args)
    return template.replace("{*}", ", ".join(sqls)).format(*sqls)


def duckdb_tree(sql: str) -> exp.Expr:
    """DuckDB SQL that streamscore wrote, parsed with its indexes kept as written."""
    return sqlglot.parse_one(sql, read=DuckDBAsWritten)


def duckdb_node(sql: str) -> exp.Expr:
    """DuckDB SQL as a node that keeps its meaning wherever it is put (parenthesized unless atomic)."""
    node = duckdb_tree(sql)
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
    # json_type is only asked of valid JSON (DuckDB's AND does not spare it the empty text).
    test = f"CASE WHEN {json_valid(value, comments=True)} THEN json_type({value}) {condition} ELSE false END" \
        if condition else json_valid(value, comments=True)
    return duckdb_node(f"coalesce({test}, false)")


def _on_clause(given, clause: str) -> str:
    """JSON_VALUE's behaviour ON EMPTY / ON ERROR as DuckDB SQL: NULL, an error, or a literal default."""
    if given is None or isinstance(given, exp.Null) or clause == "empty":
        # Flink 2.3 gives NULL for a missing lax path whatever ON EMPTY says (DEFAULT, ERROR: seen both).
        return "NULL"
    if isinstance(given, str):  # "NULL ON ERROR", "ERROR ON EMPTY", ...
        behaviour = given.split()[0].upper()
        if behaviour == "NULL":
            return "NULL"
        if behaviour == "ERROR":
            return f"error('JSON_VALUE: {clause.lower()} (ERROR ON {clause.upper()})')"
        raise ValueError(f"JSON_VALUE ... {given} is not Flink's")
    if not (isinstance(given, exp.Literal) or _constant(given)):
        raise ValueError(f"JSON_VALUE ... DEFAULT {given.sql()} ON {clause.upper()} is not replayed yet")
    return f"CAST({given.sql('duckdb')} AS VARCHAR)"  # cast with the value to the RETURNING type


JSON_PATH_STEP = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*(\d+)\s*\]|\[\s*(?:"([^"]*)"|'([^']*)')\s*\]""")
MISSING = object()


def _json_path_steps(path: str) -> list | None:
    """A JSON path of keys and indexes as steps; None for any other path (wildcards, filters, ...)."""
    if not path.startswith("$"):
        return None
    steps, at = [], 1
    while at < len(path):
        match = JSON_PATH_STEP.match(path, at)
        if match is None:
            return None
        key, index, quoted, single = match.groups()
        steps.append(int(index) if index is not None else key if key is not None else
                     quoted if quoted is not None else single)
        at = match.end()
    return steps


def _java_number_text(number) -> str:
    """A JSON number as Flink gives it back: Java's BigDecimal / BigInteger text of the number as written."""
    if isinstance(number, int):
        return str(number)
    text = str(number)  # Python's Decimal prints as Java's BigDecimal.toString (the same spec)
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text.partition("E")[0]) else text


def _json_value_of_literal(document: str, path: str, mode: str, defaults: dict[str, str]) -> str | None:
    """JSON_VALUE of a literal document, computed here (exactly, numbers as written); None when the path is
    not a plain one."""
    import json
    from decimal import Decimal

    steps = _json_path_steps(path)
    if steps is None:
        return None
    try:
        value = json.loads(document, parse_float=Decimal, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        return defaults["error"]
    for step in steps:
        if isinstance(step, int) and isinstance(value, list) and step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return defaults["error"] if mode == "strict" else defaults["empty"]
    if isinstance(value, (list, dict)):
        return defaults["error"]
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, Decimal)):
        text = _java_number_text(value)
    else:
        text = value
    return exp.Literal.string(text).sql("duckdb")


# JSON_VALUE ... RETURNING: the types Flink 2.x takes (VARCHAR, BOOLEAN, INTEGER, DOUBLE), and the JSON types
# (DuckDB's json_type) each reads: Flink casts the parsed Java value, so an integer RETURNING DOUBLE fails, as
# does a fraction RETURNING INT; text takes any scalar.
JSON_RETURNING = {
    exp.DType.TEXT: None, exp.DType.VARCHAR: None,
    exp.DType.BOOLEAN: ("BOOLEAN",),
    exp.DType.INT: ("BIGINT", "UBIGINT"),
    exp.DType.DOUBLE: ("DOUBLE",),
}
JSON_TEXT_TYPES = (exp.DType.TEXT, exp.DType.VARCHAR)
# A JSON number DuckDB's reader cannot give back as written (Flink keeps its digits): an exponent, a
# fraction ending in 0, 16 or more digits, or a leading 0.00 (Java writes 1E-7 for 0.0000001).
UNFAITHFUL_JSON_NUMBER = r"(^|[\[:,])\s*-?([0-9]*\.[0-9]*0([^0-9]|$)|[0-9.]*[eE]|0\.00|[0-9.]{16})"


def _json_value(node: exp.JSONValue) -> exp.Expr:
    """JSON_VALUE with Flink's path modes (lax: a missing path is empty; strict: an error) and its ON EMPTY /
    ON ERROR defaults (NULL unless given); an array or object, or text that is not JSON, is an error.
    Flink gives a number back as it is written (1.50, 1E+2); DuckDB's reader keeps only its double, so a
    document holding a number it cannot give back as written fails the replay where such a number is read."""
    value, path = node.this.sql("duckdb"), node.args["path"]
    if not (isinstance(path, exp.Literal) and path.is_string):
        raise ValueError("JSON_VALUE needs a literal path to be replayed")
    mode, _, bare = path.name.strip().partition(" ") if path.name.strip()[:1] in "ls" else ("lax", "", path.name)
    if mode not in ("lax", "strict"):
        raise ValueError(f"JSON path mode {mode!r} is not Flink's (lax or strict)")
    condition = node.args.get("on_condition")
    defaults = {clause: _on_clause(condition.args.get(clause) if condition is not None else None, clause)
                for clause in ("empty", "error")}
    returning = node.args.get("returning")
    returning = returning if isinstance(returning, exp.DataType) else None
    if returning is not None and not returning.is_type(*JSON_RETURNING):
        raise ValueError(f"JSON_VALUE ... RETURNING {returning.sql()} is not replayed (Flink fails on it; "
                         "STRING, BOOLEAN, INT and DOUBLE are)")
    sql = None
    if isinstance(node.this, exp.Literal) and node.this.is_string and returning is None:
        sql = _json_value_of_literal(node.this.name, bare.strip(), mode, defaults)
    if sql is None:
        if re.search(r"\*|\.\.|\?", bare):
            raise ValueError("JSON_VALUE with a wildcard, recursive or filter path is not replayed yet")
        path_sql = exp.Literal.string(bare.strip()).sql("duckdb")
        extracted = f"json_extract({value}, {path_sql})"
        missing = defaults["error"] if mode == "strict" else defaults["empty"]
        text = f"json_extract_string({value}, {path_sql})"
        if not isinstance(returning, exp.DataType):
            pattern = exp.Literal.string(UNFAITHFUL_JSON_NUMBER).sql("duckdb")
            text = (f"CASE WHEN json_type({extracted}) = 'DOUBLE' AND regexp_matches({value}, {pattern}) THEN "
                    f"error('JSON_VALUE: the document holds a number DuckDB cannot give back as written "
                    f"(Flink keeps its digits): replay this job with --engine flink') "
                    f"WHEN json_type({extracted}) = 'DOUBLE' THEN CAST(CAST({text} AS DOUBLE) AS VARCHAR) "
                    f"ELSE {text} END")
        if returning is not None and not returning.is_type(*JSON_TEXT_TYPES):
            # Flink casts the JSON value's own Java type: a mismatch (1.5 as INT, "1" as DOUBLE) fails.
            kinds = ", ".join(f"'{k}'" for k in JSON_RETURNING[next(t for t in JSON_RETURNING if returning.is_type(t))])
            text = (f"CASE WHEN json_type({extracted}) IN ({kinds}) THEN {text} ELSE "
                    f"error('JSON_VALUE: the value is not a {returning.sql()}') END")
        sql = (f"CASE WHEN {value} IS NULL THEN NULL WHEN NOT {json_valid(value)} THEN {defaults['error']} "
               f"{duplicate_keys(value, 'JSON_VALUE')}"
               f"WHEN {extracted} IS NULL THEN {missing} "
               f"WHEN json_type({extracted}) IN ('ARRAY', 'OBJECT') THEN {defaults['error']} "
               f"WHEN json_type({extracted}) = 'NULL' THEN NULL "
               f"ELSE {text} END")
    if returning is not None:
        sql = f"CAST({sql} AS {returning.sql('duckdb')})"
    return duckdb_node(sql)


def _interval_micros(text: str, scale: int) -> int:
    """A field of an interval literal in microseconds, cut to milliseconds (Flink's intervals hold those)."""
    from decimal import ROUND_DOWN, Decimal

    return int((Decimal(text) * scale / 1000).to_integral_value(ROUND_DOWN)) * 1000


def _interval_seconds(node: exp.Interval) -> exp.Expr:
    """``INTERVAL '0.0015' SECOND``: Flink keeps milliseconds (cut), DuckDB microseconds."""
    text = node.this.name.strip() if isinstance(node.this, exp.Literal) else None
    if text is None or len(text.partition(".")[2]) <= 3:
        return node
    sign = -1 if text.startswith("-") else 1
    return duckdb_node(f"to_microseconds({sign * _interval_micros(text.lstrip('+-'), 1_000_000)})")


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
    micros = sum(_interval_micros(f, scale[u]) for f, u in zip(fields, wanted))
    return duckdb_node(f"to_microseconds({sign * micros})")


def _similar_to(node: exp.SimilarTo) -> exp.Expr:
    """SQL's SIMILAR TO (``%`` and ``_`` wildcards, regular expression operators) as a whole-text match."""
    pattern = node.expression
    if not (isinstance(pattern, exp.Literal) and pattern.is_string) or node.args.get("escape"):
        raise ValueError("SIMILAR TO needs a literal pattern without ESCAPE to be replayed")
    regex = "".join(".*" if c == "%" else "." if c == "_" else c for c in pattern.name)
    return duckdb_node(f"regexp_full_match({node.this.sql('duckdb')}, {exp.Literal.string(regex).sql('duckdb')})")


def _sub_microseconds(text: str) -> bool:
    """Timestamp text with a non-zero digit past the sixth of its fraction."""
    fraction = re.search(r"\.(\d+)\s*$", text)
    return fraction is not None and fraction.group(1)[6:].strip("0") != ""


def _timestamp_text(node: exp.Cast) -> None:
    """A timestamp literal (or text cast to TIMESTAMP(7..9)) with nanoseconds: DuckDB holds microseconds."""
    if not (isinstance(node.this, exp.Literal) and node.this.is_string and node.to.is_type(exp.DType.TIMESTAMP)):
        return
    precision = int(node.to.expressions[0].name) if node.to.expressions else 9
    if precision > 6 and _sub_microseconds(node.this.name):
        raise ValueError(f"timestamp '{node.this.name}' has nanoseconds: DuckDB's timestamps hold microseconds, "
                         "so its value cannot be replayed")


def node_semantics(node: exp.Expr) -> exp.Expr:
    """Nodes sqlglot knows whose DuckDB rendering would mean something else than in Flink."""
    if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d+", node.name) \
            and int(node.name) > 2 ** 63 - 1:
        raise ValueError(f"integer literal {node.name} is out of range: Flink's largest integer is a BIGINT")
    if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d*\.\d*", node.name) \
            and len(node.name.replace(".", "").lstrip("0")) > 19:
        raise ValueError(f"numeric literal {node.name} is out of range for Flink's planner")
    if isinstance(node, exp.Cast):
        _timestamp_text(node)
        if node.to.is_type(exp.DType.FLOAT) and isinstance(node.this, exp.Literal) and node.this.is_string \
                and node.this.name.strip().lstrip("+-").lower() in ("infinity", "inf"):
            raise ValueError("an infinite FLOAT constant fails Flink's planner (it folds constants as decimals)")
    if isinstance(node, exp.Lead):
        raise ValueError("LEAD is not supported by Flink in streaming mode (\"LEAD Function is not supported in "
                         "stream mode\"): LAG over the opposite ordering is not Flink's either (OVER windows order "
                         "by ascending event time)")
    if isinstance(node, exp.ILike):
        raise ValueError("ILIKE fails Flink's planner (use LOWER(x) LIKE ...)")
    if isinstance(node, exp.Struct) and not any(isinstance(e, (exp.PropertyEQ, exp.Slice)) for e in node.expressions):
        # ROW(a, b): fields by position (Flink names them EXPR$0, ...), as a sink's ROW type reads them
        return exp.Anonymous(this="row", expressions=node.expressions)
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.JSON):
        return _is_json(node)
    if isinstance(node, exp.JSONValue):
        return _json_value(node)
    if isinstance(node, exp.Interval) and isinstance(node.args.get("unit"), exp.IntervalSpan):
        return _interval_span(node)
    if isinstance(node, exp.Interval) and node.args.get("unit") is not None and node.unit.name.upper() == "SECOND":
        return _interval_seconds(node)
    if isinstance(node, exp.SimilarTo):
        return _similar_to(node)
    if isinstance(node, exp.Substring):
        args = [node.this, node.args.get("start") or exp.Literal.number(1)]
        return duckdb_node(_substring(args + ([node.args["length"]] if node.args.get("length") else [])))
    if isinstance(node, exp.Extract):
        unit, value = node.this.name.upper(), node.expression.sql("duckdb")
        if unit in ("DOW", "DAYOFWEEK"):
            return duckdb_node(f"CAST(dayofweek({value}) + 1 AS BIGINT)")
        if unit in EXTRACT_WITHIN_SECOND:  # refused for a DATE (typed.py)
            return duckdb_node(f"__flink_time_of_day({value}, CAST({EXTRACT_WITHIN_SECOND[unit].format(value)} AS BIGINT))")
        if unit in ("HOUR", "MINUTE", "SECOND"):
            return duckdb_node(f"__flink_time_of_day({value}, {exp.cast(node, exp.DType.BIGINT).sql('duckdb')})")
        if unit == "EPOCH":  # whole seconds, toward zero (DuckDB's cast would round)
            return duckdb_node(f"CAST(trunc(epoch({value})) AS BIGINT)")
        return exp.cast(node, exp.DType.BIGINT)
    return node
