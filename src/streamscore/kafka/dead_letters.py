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
the job sees it. Every record is accounted for: in = good rows + dead letters. Replays decode JSON Lines
history with the same JVM decoder (dev.streamscore.json.DecodeFile, one process per file): one set of rules,
so history and stream yield the same rows and dead letters by construction.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

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
# ROW, ARRAY and MAP of guarded types, at any depth (Flink's json format reads map keys only as strings).
NESTED_TYPES = {exp.DType.STRUCT, exp.DType.ARRAY, exp.DType.MAP}

MAX_NESTING_DEPTH = 500  # as dev.streamscore.json.RecordDecoder (tests generate records past it)


def unguarded_reason(table: TableDef) -> str | None:
    """Why ``table`` cannot be guarded (its records then go through Flink's own format), or None."""
    if table.options.get("format") != "json":
        return f"format {table.options.get('format')!r} (only 'json' sources are parsed by streamscore)"
    if table.unparsed:
        return "its columns are declared in SQL only Flink reads"
    for column in table.columns:
        if column.is_physical and not guarded_type(column.type):
            return f"column `{column.name}` has type {column.type.sql(Flink)}"
    return None


def guarded_type(dtype: exp.DataType) -> bool:
    """Whether the JVM decoder reads values of ``dtype`` (scalars it checks, nested types of them)."""
    if dtype.this in NESTED_TYPES:
        children = [c.args.get("kind") if isinstance(c, exp.ColumnDef) else c for c in dtype.expressions]
        if not children or any(not isinstance(c, exp.DataType) for c in children):
            return False
        if dtype.this == exp.DType.MAP and children[0].this not in STRINGS:
            return False
        return all(guarded_type(c) for c in children)
    return dtype.this in GUARDED_TYPES


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
    event-time inputs (a record without them cannot be placed), the timestamp layout and the size limit."""
    row = ", ".join(f"{_quoted(c.name)} {_type_sql(c.type)}" for c in table.columns if c.is_physical)
    return json.dumps({"row": f"ROW<{row}>", "required": sorted(set(_event_time_inputs(table))),
                       "timestamp_format": table.options.get("json.timestamp-format.standard", "SQL"),
                       "max_record_bytes": max_record_bytes})


def _type_sql(dtype: exp.DataType) -> str:
    """A type as Flink's type parser reads it: nested field names quoted (``ROW<`at` ...>``: AT is a keyword)."""
    dtype = dtype.copy()
    for field in dtype.find_all(exp.ColumnDef):
        field.this.set("quoted", True)
    return dtype.sql(Flink)


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


def decode_json_lines(table: TableDef, path, folder, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) \
        -> tuple[Path, int, list[FileDeadLetter]]:
    """A JSON Lines file decoded by the JVM decoder `run` uses for the table's topic: (a file of the good
    records' values in ``folder``, read by :func:`decoded_rows_sql`; their count; the dead letters)."""
    import base64

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows, dead_file = folder / f"{table.name}.rows.jsonl", folder / f"{table.name}.dead.jsonl"
    count = _DECODER.decode(decoder_spec(table, max_record_bytes), Path(path), rows, dead_file, table.name)
    dead = []
    with open(dead_file, "rb") as letters:
        for line in letters:
            letter = json.loads(line)
            raw = base64.b64decode(letter["raw"]).decode("utf-8", "backslashreplace")
            dead.append(FileDeadLetter(table.name, letter["line"], raw, letter["error"]))
    return rows, count, dead


class _DecoderProcess:
    """One JVM decoder process (DecodeFile --serve) for every file this Python process decodes: started on
    the first file (JVM start ~0.5 s), stopped when Python exits."""

    def __init__(self):
        self._process = None
        self._lock = threading.Lock()

    def decode(self, spec: str, path: Path, rows: Path, dead: Path, table: str) -> int:
        from streamscore.errors import EngineError

        request = json.dumps([spec, str(path), str(rows), str(dead)]) + "\n"
        with self._lock:
            for attempt in range(2):  # a process that died (killed, out of memory) is started again once
                process = self._started()
                try:
                    process.stdin.write(request)
                    process.stdin.flush()
                    answer = process.stdout.readline()
                except (BrokenPipeError, OSError):
                    answer = ""
                if answer:
                    break
                self._process = None
            if answer.startswith("error:") or not answer:
                reason = answer.strip() or "the decoder process stopped"
                raise EngineError(f"decoding {path} for `{table}` failed: {reason}")
        return int(answer.split()[0])

    def _started(self):
        import atexit
        import subprocess

        if self._process is None or self._process.poll() is not None:
            # A deep stack: the decoder turns a StackOverflowError into a dead letter, but rarely needs to.
            self._process = subprocess.Popen(
                ["java", "-Xss4m", "-XX:+UseSerialGC", "-cp", decoder_classpath(), "dev.streamscore.json.DecodeFile",
                 "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
            atexit.register(self._process.kill)
        return self._process


_DECODER = _DecoderProcess()


def decoder_classpath() -> str:
    """streamscore's jar and Flink's own (the json converters and shaded Jackson the decoder uses)."""
    import pyflink

    from streamscore.vendor import streamscore_jar

    return f"{streamscore_jar()}{os.pathsep}{Path(pyflink.__file__).parent / 'lib'}{os.sep}*"


# How DecodeFile writes each type (exact text for floating and decimal numbers, epoch microseconds and days)
# and how DuckDB reads it back to the declared type: (JSON column type, expression over {c}).
_DECODED = {
    exp.DType.DOUBLE: ("VARCHAR", "CAST({c} AS DOUBLE)"),
    exp.DType.FLOAT: ("VARCHAR", "CAST(CAST({c} AS DOUBLE) AS FLOAT)"),
    exp.DType.DECIMAL: ("VARCHAR", "CAST({c} AS {type})"),
    exp.DType.TIMESTAMP: ("BIGINT", "make_timestamp({c})"),
    exp.DType.TIMESTAMPLTZ: ("BIGINT", "to_timestamp(0) + to_microseconds({c})"),  # zone-free arithmetic
    exp.DType.DATE: ("BIGINT", "CAST(DATE '1970-01-01' + CAST({c} AS INTEGER) AS DATE)"),
    exp.DType.BOOLEAN: ("BOOLEAN", "{c}"),
    **{kind: ("BIGINT", "CAST({c} AS {type})") for kind in INTEGER_RANGES},
    **{kind: ("VARCHAR", "{c}") for kind in STRINGS},
    # ROW / ARRAY / MAP: JSON with every field named, scalars as text DuckDB casts exactly (DecodeFile.write)
    **{kind: ("JSON", "CAST({c} AS {type})") for kind in NESTED_TYPES},
}


def decoded_rows_sql(table: TableDef, rows: Path) -> str:
    """DuckDB SELECT of the table's physical columns from a file :func:`decode_json_lines` wrote."""
    from streamscore.sql.typed import duckdb_type

    physical = [c for c in table.columns if c.is_physical]
    columns, selects = {}, []
    for i, column in enumerate(physical):
        json_type, template = _DECODED[column.type.this]
        columns[f"c{i}"] = json_type
        selects.append(f"{template.format(c=f'c{i}', type=duckdb_type(column.type))} AS {_duckdb_quoted(column.name)}")
    spec = "{" + ", ".join(f"'c{i}': '{t}'" for i, t in enumerate(columns.values())) + "}"
    path = str(rows).replace("'", "''")
    return (f"SELECT {', '.join(selects)} FROM read_json('{path}', format = 'newline_delimited', columns = {spec}, "
            "maximum_object_size = 1073741824)")


def _duckdb_quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def split_json_lines(table: TableDef, path, folder, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES):
    """The lines of a JSON Lines file that are rows (as written: Flink's own format reads them) and the dead
    letters, decided by the JVM decoder `run` uses for the table's topic."""
    _, _, dead = decode_json_lines(table, path, folder, max_record_bytes)
    bad = {letter.line for letter in dead}
    with open(path, "rb") as lines:
        good = [line.rstrip(b"\r\n") for number, line in enumerate(lines, 1)
                if number not in bad and line.strip()]
    return good, dead


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
