"""Dead letters: a malformed Kafka record goes to a dead-letter topic instead of failing the job.

Flink's `json` format fails the whole job on a bad record, and `json.ignore-parse-errors` turns it
into NULLs or drops it silently. Instead, a guarded source reads its topic as raw bytes and parses
each record in one vectorized Python function that implements the table's declared types:

    streamscore_raw_<t>  (raw bytes + topic/partition/offset/timestamp metadata, every declared column
                          computed from the parse, the table's own WATERMARK)
    <t>                  a view of the good rows, under the table's name: the job's SQL is unchanged
    dead letters         the bad rows' original bytes, with the error and the source
                          topic/partition/offset/timestamp in Kafka headers (the Kafka Connect DLQ layout)

A bad row's event time is the epoch, so it never moves the watermark, and it is filtered out before
the job sees it. Every record is accounted for: in = good rows + dead letters.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlglot import exp

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

# Flink's json timestamp layouts ('json.timestamp-format.standard'): SQL has a space, ISO-8601 a 'T';
# seconds and the fraction are optional; TIMESTAMP_LTZ values end in 'Z'.
_TIMESTAMP = {
    "SQL": re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"),
    "ISO-8601": re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"),
}
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
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


def unguarded_reason(table: TableDef) -> str | None:
    """Why ``table`` cannot be guarded (its records then go through Flink's own format), or None."""
    if table.options.get("format") != "json":
        return f"format {table.options.get('format')!r} (only 'json' sources are parsed by streamscore)"
    for column in table.columns:
        if column.is_physical and column.type.this not in GUARDED_TYPES:
            return f"column `{column.name}` has type {column.type.sql(Flink)}"
    return None


class RecordParser:
    """One JSON record -> the table's physical columns, typed as declared, or a :class:`RecordError`."""

    def __init__(self, table: TableDef, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES):
        self.fields = [Field(c.name, c.type) for c in table.columns if c.is_physical]
        self.max_record_bytes = max_record_bytes
        standard = table.options.get("json.timestamp-format.standard", "SQL")
        self.timestamp_layout = _TIMESTAMP.get(standard, _TIMESTAMP["SQL"])
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
        if raw is None:
            raise RecordError("record has no value (a tombstone)")
        if len(raw) > self.max_record_bytes:
            raise RecordError(f"record is {len(raw)} bytes, over the limit of {self.max_record_bytes}")
        try:  # decoded here: json.loads would guess UTF-16/32 from the first bytes
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RecordError(f"not UTF-8: {error.reason} at byte {error.start}") from None
        try:
            record = json.loads(text, parse_constant=_no_constant, parse_float=Decimal if self.decimals else float)
        except ValueError as error:
            raise RecordError(f"bad JSON: {error}") from None
        except RecursionError:
            raise RecordError("bad JSON: nested too deeply") from None
        if not isinstance(record, dict):
            raise RecordError(f"JSON {type(record).__name__} where an object was expected")
        values = []
        for field in self.fields:
            value = record.get(field.name)
            if value is None:
                if field.name in self.required:
                    state = "NULL" if field.name in record else "missing"
                    raise RecordError(f"event time `{field.name}` is {state}")
                values.append(None)
                continue
            try:
                values.append(self._convert(field, value))
            except RecordError as error:
                raise RecordError(f"`{field.name}`: {error}") from None
        return tuple(values)

    def _convert(self, field: Field, value):
        kind = field.kind
        if isinstance(value, bool) and kind != exp.DType.BOOLEAN:
            raise RecordError(f"expected {field.type.sql(Flink)}, got a boolean")
        if kind in INTEGER_RANGES:
            if isinstance(value, (float, Decimal)) and value == int(value) and math.isfinite(value):
                value = int(value)
            if not isinstance(value, int):
                raise RecordError(f"expected {field.type.sql(Flink)}, got {_json_kind(value)}")
            low, high = INTEGER_RANGES[kind]
            if not low <= value <= high:
                raise RecordError(f"{value} is out of range for {field.type.sql(Flink)}")
            return value
        if kind in FLOATS:
            if not isinstance(value, (int, float, Decimal)):
                raise RecordError(f"expected {field.type.sql(Flink)}, got {_json_kind(value)}")
            return float(value)
        if kind == exp.DType.DECIMAL:
            return self._decimal(field, value)
        if kind == exp.DType.BOOLEAN:
            if not isinstance(value, bool):
                raise RecordError(f"expected BOOLEAN, got {_json_kind(value)}")
            return value
        if kind in STRINGS:
            if not isinstance(value, str):
                raise RecordError(f"expected {field.type.sql(Flink)}, got {_json_kind(value)}")
            if _LONE_SURROGATE.search(value):  # "\ud800" escapes to text no UTF-8 can hold
                raise RecordError("string holds a lone UTF-16 surrogate (not valid Unicode text)")
            return value
        if kind == exp.DType.DATE:
            if not isinstance(value, str) or not (match := _DATE.fullmatch(value)):
                raise RecordError(f"expected a DATE string 'yyyy-MM-dd', got {_shown(value)}")
            return _checked(lambda: dt.date(*map(int, match.groups())), value)
        if kind in TIMESTAMPS:
            return self._timestamp(field, value)
        raise RecordError(f"type {field.type.sql(Flink)} is not supported")  # unguarded_reason stops this

    def _decimal(self, field: Field, value) -> Decimal:
        if not isinstance(value, (int, float, Decimal)):
            raise RecordError(f"expected {field.type.sql(Flink)}, got {_json_kind(value)}")
        precision, scale = decimal_precision(field.type)
        try:
            number = Decimal(value).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise RecordError(f"{value} does not fit {field.type.sql(Flink)}") from None
        if len(number.as_tuple().digits) > precision:
            raise RecordError(f"{value} does not fit {field.type.sql(Flink)}")
        return number

    def _timestamp(self, field: Field, value) -> dt.datetime:
        zoned = field.kind == exp.DType.TIMESTAMPLTZ
        layout = "yyyy-MM-dd HH:mm:ss[.SSS]" + ("Z" if zoned else "")
        text = value if isinstance(value, str) else None
        if text is not None and zoned:
            text = text[:-1] if text.endswith("Z") else None
        match = self.timestamp_layout.fullmatch(text) if text is not None else None
        if match is None:
            raise RecordError(f"expected a timestamp string like '{layout}', got {_shown(value)}")
        year, month, day, hour, minute, second, fraction = match.groups()
        digits = min(field.precision(6), 6)  # Python keeps microseconds; the declared precision truncates
        micros = int((fraction or "0").ljust(9, "0")[:6])
        micros -= micros % (10 ** (6 - digits))
        return _checked(lambda: dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                                            int(second or 0), micros), value)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_kind(value) -> str:
    kinds = {str: "a string", dict: "an object", list: "an array", bool: "a boolean"}
    kind = kinds.get(type(value), "a number")
    return f"{kind} {_shown(value)}"


def _shown(value) -> str:
    text = str(value) if isinstance(value, Decimal) else json.dumps(value)
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


def parse_function_name(table: TableDef) -> str:
    return f"streamscore_parse_{table.name}"


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def raw_table_sql(table: TableDef, options: dict[str, str]) -> str:
    """CREATE TABLE of the raw side: bytes + source metadata; the declared columns computed from the parse."""
    parsed = f"{parse_function_name(table)}({RAW_COLUMN})"
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
                lambda n: exp.column(exp.Dot(this=exp.Anonymous(this=parse_function_name(table), expressions=[
                    exp.column(RAW_COLUMN)]), expression=exp.to_identifier(n.name, quoted=True)))
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


def parse_function(table: TableDef, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES):
    """The vectorized Flink function: a batch of raw records -> a ROW of the declared columns + the error."""
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import ScalarFunction, udf

    parser = RecordParser(table, max_record_bytes)
    names = [f.name for f in parser.fields] + [ERROR_COLUMN]

    class ParseRecords(ScalarFunction):
        def open(self, function_context):
            group = function_context.get_metric_group().add_group("streamscore_source", table.name)
            self.dead = group.counter("dead_letters")

        def eval(self, raw: pd.Series):
            rows = []
            for value in raw:
                rows.append(parser.parse_or_error(value))
                if rows[-1][-1] is not None:
                    self.dead.inc()
            return pd.DataFrame.from_records(rows, columns=names, coerce_float=False)

    fields = [DataTypes.FIELD(f.name, flink_data_type(f.type)) for f in parser.fields]
    fields.append(DataTypes.FIELD(ERROR_COLUMN, DataTypes.STRING()))
    return udf(ParseRecords(), result_type=DataTypes.ROW(fields), func_type="pandas")


def flink_data_type(dtype: exp.DataType):
    from pyflink.table import DataTypes

    kind = dtype.this
    simple = {exp.DType.TINYINT: DataTypes.TINYINT, exp.DType.SMALLINT: DataTypes.SMALLINT,
              exp.DType.INT: DataTypes.INT, exp.DType.BIGINT: DataTypes.BIGINT,
              exp.DType.DOUBLE: DataTypes.DOUBLE, exp.DType.FLOAT: DataTypes.FLOAT,
              exp.DType.BOOLEAN: DataTypes.BOOLEAN, exp.DType.DATE: DataTypes.DATE}
    if kind in simple:
        return simple[kind]()
    if kind in STRINGS:
        return DataTypes.STRING()
    field = Field("", dtype)
    if kind == exp.DType.TIMESTAMP:
        return DataTypes.TIMESTAMP(field.precision(6))
    if kind == exp.DType.TIMESTAMPLTZ:
        return DataTypes.TIMESTAMP_LTZ(field.precision(6))
    if kind == exp.DType.DECIMAL:
        return DataTypes.DECIMAL(*decimal_precision(dtype))
    raise ValueError(f"no Flink type for {dtype.sql(Flink)}")


DEAD_LETTER_TABLE = "streamscore_dead_letters"


@dataclass
class DeadLetterRouting:
    """Where a run sends dead letters (a profile's ``dead_letter_topic``), and which sources it guards."""

    topic: str
    sink_options: dict[str, str]  # the dead-letter table's Kafka options (servers, security)
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    log: object = print

    def guards(self, table: TableDef, options: dict[str, str]) -> bool:
        reason = unguarded_reason(table) if options.get("connector") == "kafka" else "not a Kafka table"
        if reason:
            self.log(f"dead letters: `{table.name}` is read by Flink's own format ({reason}): a malformed "
                     "record fails the job")
        return reason is None

    def table_sql(self) -> str:
        options = {**self.sink_options, "topic": self.topic, "format": "raw"}
        return dead_letter_table_sql(DEAD_LETTER_TABLE, options)


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
