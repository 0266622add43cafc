"""Dead letters: a malformed Kafka record goes to a dead-letter topic instead of failing the job.

Flink's `json` format fails the whole job on a bad record, and `json.ignore-parse-errors` turns it
into NULLs or drops it silently. Instead, a guarded source reads its topic as raw bytes and streamscore's
JVM decoder (STREAMSCORE_PARSE_JSON, dev.streamscore.json in jvm/) turns each record into the table's
declared columns with Flink's own json converters, or into the reason it is a dead letter:

    streamscore_raw_<t>  (raw bytes + topic/partition/offset/timestamp metadata, every declared column
                          computed from the decode, the table's own WATERMARK)
    <t>                  a view of the good rows, under the table's name: the job's SQL is unchanged
    dead letters         the bad rows' original bytes, with the error and the source
                          topic/partition/offset/timestamp in Kafka headers (the Kafka Connect DLQ layout)
    late rows            optionally, a copy of the rows read behind the watermark (a profile's late_topic)

A bad row's event time is the epoch, so it never moves the watermark, and it is filtered out before
the job sees it. Every record is accounted for: in = good rows + dead letters. Replays read JSON Lines
history with :class:`RecordParser`, which applies the same rules in Python (checked record by record
against the JVM decoder in tests/test_decoder_agreement.py).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, localcontext

import numpy as np
from sqlglot import exp

from streamscore.javatext import java_double_to_string
from streamscore.sql.dialect import Flink, decimal_precision, with_clause
from streamscore.sql.statements import TableDef

ERROR_COLUMN = "streamscore_error"
RAW_COLUMN = "streamscore_raw"
# Source metadata the dead-letter headers carry: column -> (Kafka metadata key, Flink type).
SOURCE_METADATA = {
    "streamscore_topic": ("topic", "STRING"),
    "streamscore_partition": ("partition", "INT"),
    "streamscore_offset": ("offset", "BIGINT"),
    "streamscore_timestamp": ("timestamp", "TIMESTAMP_LTZ(3)"),
}
HEADER_PREFIX = "streamscore."
DEFAULT_MAX_RECORD_BYTES = 1 << 20

INTEGER_RANGES = {
    exp.DType.TINYINT: (-(1 << 7), (1 << 7) - 1),
    exp.DType.SMALLINT: (-(1 << 15), (1 << 15) - 1),
    exp.DType.INT: (-(1 << 31), (1 << 31) - 1),
    exp.DType.BIGINT: (-(1 << 63), (1 << 63) - 1),
}
FLOATS = {exp.DType.DOUBLE, exp.DType.FLOAT}
STRINGS = {exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR}
TIMESTAMPS = {exp.DType.TIMESTAMP, exp.DType.TIMESTAMPLTZ}
GUARDED_TYPES = {*INTEGER_RANGES, *FLOATS, *STRINGS, *TIMESTAMPS, exp.DType.BOOLEAN, exp.DType.DATE,
                 exp.DType.DECIMAL}

# Flink's json timestamp layouts ('json.timestamp-format.standard'), read strictly (no Feb 30, no 24:00): SQL
# has a space and seconds, ISO-8601 a 'T' and optional seconds; a '.' may have 0-9 digits after it.
_TIMESTAMP = {
    "SQL": re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{0,9}))?"),
    "ISO-8601": re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{0,9}))?)?"),
}
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Java's number grammars: Integer/Long.parseLong and new BigDecimal(String) take any Unicode decimal digit,
# Double.parseDouble takes ASCII digits, NaN, Infinity, hex floats and a type suffix.
_JAVA_INTEGER = re.compile(r"[+-]?\d+")
_BIG_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_JAVA_DOUBLE = re.compile(r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?"
                          r"|0[xX](?:[0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+[fFdD]?)")
_JAVA_TRIM = "".join(map(chr, range(0x21)))  # String.trim() drops every char <= U+0020
# Jackson's double/long range checks when a JSON float is read as an INT or a BIGINT (then truncated)
_FLOAT_TO_INTEGER = {exp.DType.INT: (-2.0 ** 31, 2.0 ** 31 - 1), exp.DType.BIGINT: (-2.0 ** 63, 2.0 ** 63)}
# Shared with the JVM decoder (dev.streamscore.json.RecordDecoder): Jackson's limits as streamscore sets them.
MAX_NESTING_DEPTH = 500
MAX_NUMBER_LENGTH = 1000
EPOCH = dt.datetime(1970, 1, 1)


class RecordError(ValueError):
    """Why one record cannot become a row (the dead-letter header `streamscore.error`)."""


@dataclass(frozen=True)
class Field:
    name: str
    type: exp.DataType

    @property
    def kind(self):
        return self.type.this

    def precision(self, default: int) -> int:
        return int(self.type.expressions[0].name) if self.type.expressions else default


class JsonNumber:
    """A JSON number as written: Flink's format reads the literal's text ("1.50" stays "1.50" in a STRING)."""

    __slots__ = ("text", "is_float")

    def __init__(self, text: str, is_float: bool):
        digits = len(text) - text.startswith("-") if not is_float else len(text)
        if digits > MAX_NUMBER_LENGTH:
            raise ValueError(f"number of {digits} characters, over the limit of {MAX_NUMBER_LENGTH}")
        self.text, self.is_float = text, is_float

    def __repr__(self):
        return self.text


def unguarded_reason(table: TableDef) -> str | None:
    """Why ``table`` cannot be guarded (its records then go through Flink's own format), or None."""
    if table.options.get("format") != "json":
        return f"format {table.options.get('format')!r} (only 'json' sources are parsed by streamscore)"
    if table.unparsed:
        return "its columns are declared in SQL only Flink reads"
    for column in table.columns:
        if column.is_physical and column.type.this not in GUARDED_TYPES:
            return f"column `{column.name}` has type {column.type.sql(Flink)}"
    return None


class RecordParser:
    """One JSON record -> the table's physical columns, or a :class:`RecordError`.

    The rules of the JVM decoder a running job uses (dev.streamscore.json.RecordDecoder), so that a replay
    and a run agree record for record: values as Flink's json format reads them (a string "529.5" for a
    DOUBLE, a number or an object for a STRING as its JSON text, 1.9 truncated for an INT), and a dead letter
    wherever that format would invent or lose data (not exactly one object, duplicate keys, a BOOLEAN that is
    not true/false, a DECIMAL that does not fit, Feb 30, a lone surrogate, no event time)."""

    def __init__(self, table: TableDef, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES):
        self.fields = [Field(c.name, c.type) for c in table.columns if c.is_physical]
        self.max_record_bytes = max_record_bytes
        self.timestamp_standard = table.options.get("json.timestamp-format.standard", "SQL")
        self.timestamp_layout = _TIMESTAMP.get(self.timestamp_standard, _TIMESTAMP["SQL"])
        # The event time must be present: Flink cannot place a row without one.
        self.required = set(_event_time_inputs(table))
        self.decimals = any(f.kind == exp.DType.DECIMAL for f in self.fields)

    def parse_or_error(self, raw: bytes | None) -> tuple:
        """The record's values and None, or NULLs and the reason it is a dead letter. Never raises: any
        failure while decoding one record (a parser bug included) stays with that record, so no input can
        fail the worker and put the job into a restart loop."""
        try:
            return (*self.parse(raw), None)
        except RecordError as error:
            reason = str(error)
        except Exception as error:  # noqa: BLE001 - isolate the record, keep its reason
            reason = f"cannot decode the record: {type(error).__name__}: {error}"
        return (None,) * len(self.fields) + (reason,)

    def parse(self, raw: bytes | None) -> tuple:
        record = self._record(raw)
        values = []
        for field in self.fields:
            value = record.get(field.name)
            if value is None:
                if field.name in self.required:
                    raise RecordError(f"event time `{field.name}` is NULL or missing")
                values.append(None)
                continue
            try:
                values.append(self._convert(field, value))
            except RecordError as error:
                raise RecordError(f"`{field.name}`: {error}") from None
        return tuple(values)

    def _record(self, raw: bytes | None) -> dict:
        if raw is None:
            raise RecordError("record has no value (a tombstone)")
        if not raw:
            raise RecordError("record is empty")
        if len(raw) > self.max_record_bytes:
            raise RecordError(f"record is {len(raw)} bytes, over the limit of {self.max_record_bytes}")
        try:  # decoded here: json.loads would guess UTF-16/32 from the first bytes
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RecordError(f"not UTF-8: invalid byte at {error.start}") from None
        if raw[0] == 0 or raw[1:2] == b"\0":
            raise RecordError("bad JSON: a NUL byte at the start")
        if text.startswith("\ufeff"):  # Jackson skips a byte order mark
            text = text[1:]
        if raw.count(b"[") + raw.count(b"{") > MAX_NESTING_DEPTH and _nesting_depth(text) > MAX_NESTING_DEPTH:
            raise RecordError(f"bad JSON: nesting deeper than {MAX_NESTING_DEPTH}")
        try:
            record = json.loads(text, strict=False, object_pairs_hook=_unique_keys, parse_constant=_no_constant,
                                parse_int=lambda t: JsonNumber(t, False), parse_float=lambda t: JsonNumber(t, True))
        except ValueError as error:
            raise RecordError(f"bad JSON: {error}") from None
        except RecursionError:
            raise RecordError(f"bad JSON: nesting deeper than {MAX_NESTING_DEPTH}") from None
        if not isinstance(record, dict):
            raise RecordError(f"bad JSON: a {_json_kind(record)} where an object was expected")
        return record

    def _convert(self, field: Field, value):
        kind = field.kind
        if kind in INTEGER_RANGES:
            return _integer(field, value)
        if kind in FLOATS:
            number = _double(field, value)
            if kind == exp.DType.FLOAT:
                with np.errstate(over="ignore"):  # Float.parseFloat: past the range is +-Infinity
                    return float(np.float32(number))
            return number
        if kind == exp.DType.DATE:
            match = _DATE.fullmatch(value) if isinstance(value, str) else None
            if match is None:
                raise RecordError(f"cannot be read as DATE (yyyy-MM-dd): {_shown(value)}")
            return _checked(lambda: dt.date(*map(int, match.groups())), value)
        text = self._text(value)  # the rest read the value's text, as Flink's format reads a STRING
        if kind in STRINGS:
            if _LONE_SURROGATE.search(text):  # "\ud800" escapes to text no UTF-8 can hold
                raise RecordError("string holds a lone UTF-16 surrogate (not valid Unicode text)")
            return text
        if kind == exp.DType.BOOLEAN:
            word = text.strip(_JAVA_TRIM).lower()
            if word not in ("true", "false"):
                raise RecordError(f"expected BOOLEAN, got {_shown(text)}")
            return word == "true"
        if kind == exp.DType.DECIMAL:
            return self._decimal(field, text)
        if kind in TIMESTAMPS:
            return self._timestamp(field, text)
        raise RecordError(f"type {field.type.sql(Flink)} is not supported")  # unguarded_reason stops this

    def _text(self, value) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, JsonNumber):
            return value.text
        if isinstance(value, bool):
            return "true" if value else "false"
        return _jackson_text(value, self.decimals)

    def _decimal(self, field: Field, text: str) -> Decimal:
        precision, scale = decimal_precision(field.type)
        declared = f"DECIMAL({precision}, {scale})"
        text = text.strip(_JAVA_TRIM)
        if not _BIG_DECIMAL.fullmatch(text):
            raise RecordError(f"expected {declared}, got {_shown(text)}")
        with localcontext(Context(prec=200, Emax=MAX_EMAX, Emin=MIN_EMIN)):
            number = Decimal(text)
            if number and number.adjusted() >= precision - scale:  # before quantize: 1e999999999 takes forever
                raise RecordError(f"{_shown(text)} does not fit {declared}")
            number = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP) if number.adjusted() > -80 \
                else Decimal(0).scaleb(-scale)
        if len(number.as_tuple().digits) > precision:
            raise RecordError(f"{_shown(text)} does not fit {declared}")
        return abs(number) if not number else number  # no negative zero, as BigDecimal

    def _timestamp(self, field: Field, text: str) -> dt.datetime:
        zoned = field.kind == exp.DType.TIMESTAMPLTZ
        match = self.timestamp_layout.fullmatch(text[:-1] if zoned and text.endswith("Z") else text) \
            if not zoned or text.endswith("Z") else None
        if match is None:
            separator = "T" if self.timestamp_standard == "ISO-8601" else " "
            raise RecordError(f"expected a timestamp like 'yyyy-MM-dd{separator}HH:mm:ss[.SSS]{'Z' if zoned else ''}'"
                              f", got {_shown(text)}")
        year, month, day, hour, minute, second, fraction = match.groups()
        digits = min(field.precision(6), 6)  # Python keeps microseconds; the declared precision truncates
        micros = int((fraction or "0").ljust(9, "0")[:6])
        micros -= micros % (10 ** (6 - digits))
        if not 1 <= int(year) <= 9999:
            raise RecordError(f"year {int(year)} is outside 1..9999")
        return _checked(lambda: dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                                            int(second or 0), micros), text)


def _integer(field: Field, value) -> int:
    """TINYINT..BIGINT as Flink's format reads them: integers, strings of an integer, and (INT and BIGINT
    only, as Jackson converts them) JSON floats truncated toward zero."""
    kind, declared = field.kind, field.type.sql(Flink)
    if isinstance(value, JsonNumber) and value.is_float:
        if kind not in _FLOAT_TO_INTEGER:
            raise RecordError(f"cannot be read as {declared}: {value.text}")
        number, (low, high) = float(value.text), _FLOAT_TO_INTEGER[kind]
        if not low <= number <= high:
            raise RecordError(f"{value.text} is out of range for {declared}")
        return min(int(number), INTEGER_RANGES[kind][1])  # Java's (long) cast saturates at Long.MAX_VALUE
    if isinstance(value, JsonNumber):
        number = int(value.text)
    elif isinstance(value, str) and _JAVA_INTEGER.fullmatch(text := value.strip(_JAVA_TRIM)):
        number = int(text)
    else:
        raise RecordError(f"cannot be read as {declared}: {_shown(value)}")
    low, high = INTEGER_RANGES[kind]
    if not low <= number <= high:
        raise RecordError(f"{number} is out of range for {declared}")
    return number


def _double(field: Field, value) -> float:
    """DOUBLE/FLOAT as Flink's format reads them: JSON numbers, and strings in Java's Double.parseDouble
    grammar ("529.5", " 1e3 ", "NaN", "0x1p3", "2d")."""
    if isinstance(value, JsonNumber):
        return float(value.text)
    text = value.strip(_JAVA_TRIM) if isinstance(value, str) else None
    if text is None or not _JAVA_DOUBLE.fullmatch(text):
        raise RecordError(f"cannot be read as {field.type.sql(Flink)}: {_shown(value)}")
    body = text.rstrip("fFdD") if not text.endswith("Infinity") else text
    if body.lstrip("+-") == "NaN":
        return math.nan
    if "x" in body or "X" in body:
        try:
            return float.fromhex(body)
        except OverflowError:
            return -math.inf if body.startswith("-") else math.inf
    return float(body)


def _unique_keys(pairs: list) -> dict:
    record = {}
    for key, value in pairs:
        if key in record:
            raise ValueError(f"Duplicate field '{key}'")
        record[key] = value
    return record


def _nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


_JACKSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f]')


def _jackson_string(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _JACKSON_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), text) + '"'


def _jackson_text(value, decimals: bool) -> str:
    """A nested JSON value as Flink's format puts it in a STRING column: Jackson's compact text of the tree
    (floats as Java doubles, or as stripped BigDecimals when the table has a DECIMAL column)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_jackson_string(k)}:{_jackson_text(v, decimals)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_jackson_text(v, decimals) for v in value) + "]"
    if isinstance(value, str):
        return _jackson_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if not value.is_float:
        return str(int(value.text))
    if decimals:
        with localcontext(Context(prec=MAX_NUMBER_LENGTH + 10, Emax=MAX_EMAX, Emin=MIN_EMIN)):
            number = Decimal(value.text)
            return "0" if not number else str(number.normalize())
    return java_double_to_string(float(value.text))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_kind(value) -> str:
    kinds = {str: "JSON string", dict: "JSON object", list: "JSON array", bool: "JSON boolean",
             type(None): "JSON null"}
    return kinds.get(type(value), "JSON number")


def _shown(value) -> str:
    text = value if isinstance(value, str) else repr(value) if isinstance(value, JsonNumber) else \
        _jackson_text(value, False)
    return text if len(text) <= 60 else text[:57] + "..."


def _checked(build, value):
    try:
        return build()
    except ValueError as error:
        raise RecordError(f"{_shown(value)}: {error}") from None


def _event_time_inputs(table: TableDef) -> list[str]:
    """Physical columns the event time is computed from (itself, when it is physical)."""
    if table.rowtime is None:
        return []
    column = table.column(table.rowtime)
    if column.computed is None:
        return [column.name]
    physical = {c.name for c in table.columns if c.is_physical}
    return [c.name for c in column.computed.find_all(exp.Column) if c.name in physical]


# -- Flink SQL of a guarded source ---------------------------------------------------------------------
def raw_table_name(table: TableDef) -> str:
    return f"streamscore_raw_{table.name}"


# The JVM decoder (dev.streamscore.json.ParseJson, in streamscore's jar): Flink SQL, no Python in the path.
PARSE_FUNCTION = "streamscore_parse_json"
PARSE_FUNCTION_SQL = (f"CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS {PARSE_FUNCTION} AS "
                      "'dev.streamscore.json.ParseJson' LANGUAGE JAVA")


def decoder_spec(table: TableDef, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> str:
    """What the JVM decoder needs to know of the table (RecordDecoder.fromSpec): its physical columns, the
    event-time inputs, the timestamp layout and the size limit; the same facts RecordParser reads."""
    parser = RecordParser(table, max_record_bytes)
    row = ", ".join(f"{_quoted(f.name)} {f.type.sql(Flink)}" for f in parser.fields)
    return json.dumps({"row": f"ROW<{row}>", "required": sorted(parser.required),
                       "timestamp_format": parser.timestamp_standard, "max_record_bytes": max_record_bytes})


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def raw_table_sql(table: TableDef, options: dict[str, str], max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> str:
    """CREATE TABLE of the raw side: bytes + source metadata; the declared columns computed from the parse."""
    spec = decoder_spec(table, max_record_bytes)
    call = exp.Anonymous(this=PARSE_FUNCTION, expressions=[exp.column(RAW_COLUMN), exp.Literal.string(spec)])
    parsed = call.sql(Flink)
    physical = {c.name for c in table.columns if c.is_physical}
    lines = [f"{RAW_COLUMN} BYTES"]
    lines += [f"{name} {kind} METADATA FROM '{key}' VIRTUAL" for name, (key, kind) in SOURCE_METADATA.items()]
    lines.append(f"{ERROR_COLUMN} AS {parsed}.{ERROR_COLUMN}")
    for column in table.columns:
        name = _quoted(column.name)
        if column.metadata is not None:
            lines.append(f"{name} {column.type.sql(Flink)} METADATA FROM '{column.metadata}' VIRTUAL")
        elif column.computed is None:
            value = f"{parsed}.{name}"
            if column.name == table.rowtime:  # a bad row's event time: the epoch, never moves the watermark
                value = f"COALESCE({value}, CAST(TIMESTAMP '1970-01-01 00:00:00' AS {column.type.sql(Flink)}))"
            lines.append(f"{name} AS {value}")
        else:  # computed columns read the parsed values (Flink: no computed column reads another)
            expression = column.computed.copy().transform(
                lambda n: exp.column(exp.Dot(this=call.copy(), expression=exp.to_identifier(n.name, quoted=True)))
                if isinstance(n, exp.Column) and n.name in physical else n)
            lines.append(f"{name} AS {expression.sql(Flink)}")
    if table.watermark:
        lines.append(f"WATERMARK FOR {_quoted(table.watermark[0])} AS {table.watermark[1].sql(Flink)}")
    raw_options = {k: v for k, v in options.items() if not k.startswith("json.")}
    raw_options["format"] = "raw"
    columns = ",\n  ".join(lines)
    return f"CREATE TABLE {raw_table_name(table)} (\n  {columns}\n) {with_clause(raw_options)}"


def good_rows_sql(table: TableDef) -> str:
    columns = ", ".join(_quoted(c.name) for c in table.columns)
    return (f"CREATE TEMPORARY VIEW {_quoted(table.name)} AS SELECT {columns} "
            f"FROM {raw_table_name(table)} WHERE {ERROR_COLUMN} IS NULL")


def dead_letter_table_sql(name: str, options: dict[str, str]) -> str:
    return (f"CREATE TABLE {name} (\n  payload BYTES,\n  headers MAP<STRING, BYTES> METADATA\n) "
            f"{with_clause(options)}")


def dead_letters_insert_sql(table: TableDef, sink: str) -> str:
    """The bad rows' original bytes, with why and where from in the headers."""
    headers = {"error": ERROR_COLUMN, "source.table": f"'{table.name}'", "source.topic": "streamscore_topic",
               "source.partition": "streamscore_partition", "source.offset": "streamscore_offset",
               "source.timestamp": "streamscore_timestamp"}
    entries = ", ".join(f"'{HEADER_PREFIX}{key}', ENCODE(CAST({value} AS STRING), 'UTF-8')"
                        for key, value in headers.items())
    return (f"INSERT INTO {sink} SELECT {RAW_COLUMN}, MAP[{entries}] "
            f"FROM {raw_table_name(table)} WHERE {ERROR_COLUMN} IS NOT NULL")


def late_rows_insert_sql(table: TableDef, sink: str) -> str:
    """A copy of the good rows read behind their source's watermark (CURRENT_WATERMARK): the rows event-time
    operators drop as late. Original bytes; the event time and the watermark then in the headers."""
    rowtime = _quoted(table.rowtime)
    headers = {"source.table": f"'{table.name}'", "source.topic": "streamscore_topic",
               "source.partition": "streamscore_partition", "source.offset": "streamscore_offset",
               "event_time": rowtime, "watermark": f"CURRENT_WATERMARK({rowtime})"}
    entries = ", ".join(f"'{HEADER_PREFIX}{key}', ENCODE(CAST({value} AS STRING), 'UTF-8')"
                        for key, value in headers.items())
    return (f"INSERT INTO {sink} SELECT {RAW_COLUMN}, MAP[{entries}] FROM {raw_table_name(table)} "
            f"WHERE {ERROR_COLUMN} IS NULL AND {rowtime} <= CURRENT_WATERMARK({rowtime})")


DEAD_LETTER_TABLE = "streamscore_dead_letters"
LATE_ROWS_TABLE = "streamscore_late_rows"


@dataclass
class DeadLetterRouting:
    """Where a run sends dead letters (a profile's ``dead_letter_topic``), and which sources it guards."""

    sink_options: dict[str, str]  # the dead-letter table's Kafka options (topic, servers, security, delivery)
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    log: object = print
    # the late-rows table's, when a copy of the rows read behind the watermark goes to a topic
    late_sink_options: dict[str, str] | None = None

    def guards(self, table: TableDef, options: dict[str, str]) -> bool:
        reason = unguarded_reason(table) if options.get("connector") == "kafka" else "not a Kafka table"
        if reason:
            self.log(f"dead letters: `{table.name}` is read by Flink's own format ({reason}): a malformed "
                     "record fails the job")
        return reason is None

    def table_sql(self) -> str:
        return dead_letter_table_sql(DEAD_LETTER_TABLE, {**self.sink_options, "format": "raw"})

    def late_table_sql(self) -> str:
        return dead_letter_table_sql(LATE_ROWS_TABLE, {**self.late_sink_options, "format": "raw"})


def read_dead_letters(bootstrap: str, topic: str) -> list[dict]:
    """The dead letters so far: the original bytes and the headers (prefix dropped), in topic order."""
    from streamscore.kafka.client import read_messages

    letters = []
    for message in read_messages(bootstrap, topic):
        headers = {k[len(HEADER_PREFIX):]: (v or b"").decode("utf-8", "replace")
                   for k, v in (message.headers() or []) if k.startswith(HEADER_PREFIX)}
        letters.append({"payload": message.value(), **headers})
    return letters


# -- replays of raw history: the same acceptance as a running job ----------------------------------------
@dataclass
class FileDeadLetter:
    table: str
    line: int  # 1-based line of the input file
    raw: str
    error: str


def replay_guard_applies(table: TableDef, path) -> bool:
    """A replay reads this table's JSON Lines file record by record, as `run` reads its topic."""
    from streamscore.config import file_format

    return unguarded_reason(table) is None and file_format(path) == "json" \
        and all(c.is_physical for c in table.columns if c.in_replay_file)


def split_json_lines(table: TableDef, path, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES):
    """The good records of a JSON Lines file (as values of the physical columns, and as their original
    lines) and the dead letters, decided by the very parser `run` uses for the table's topic."""
    parser = RecordParser(table, max_record_bytes)
    rows, good_lines, dead = [], [], []
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            raw = line.rstrip(b"\r\n")
            if not raw.strip():
                continue  # blank lines are not records in a JSON Lines file
            *values, error = parser.parse_or_error(raw)
            if error is None:
                rows.append(values)
                good_lines.append(raw)
            else:
                dead.append(FileDeadLetter(table.name, number, raw.decode("utf-8", "backslashreplace"), error))
    return parser, rows, good_lines, dead


def keep_file_dead_letters(result, dead: list[FileDeadLetter], output_dir) -> None:
    """A replay's dead letters into ``output_dir/dead_letters.parquet``, counted per source on ``result``."""
    if not dead:
        return
    result.dead_letters_file = output_dir / "dead_letters.parquet"
    write_file_dead_letters(dead, result.dead_letters_file)
    for letter in dead:
        result.dead_letters[letter.table] = result.dead_letters.get(letter.table, 0) + 1


def write_file_dead_letters(dead: list[FileDeadLetter], path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {"source_table": [d.table for d in dead], "line": [d.line for d in dead],
               "raw": [d.raw for d in dead], "error": [d.error for d in dead]}
    pq.write_table(pa.table(columns, schema=pa.schema([("source_table", pa.string()), ("line", pa.int64()),
                                                        ("raw", pa.string()), ("error", pa.string())])), path)
