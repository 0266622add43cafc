"""`run` decodes each Kafka record in the JVM (dev.streamscore.json.RecordDecoder, inside Flink); `replay`
decodes a history file with the same decoder in a process of its own (DecodeFile) whose output DuckDB reads
back to the declared types. One decoder, two transports: both must agree record for record (the same
records are rows, with the same values to the bit, and the same records are dead letters). Generated records
(hypothesis) go to both: values of every kind for every declared type, number literals as written, text
Flink's format parses, mutations, duplicate keys, deep nesting."""

import datetime as dt
import json
import math
import struct
import subprocess
import sys
from base64 import b64encode
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamscore import vendor
from streamscore.kafka.dead_letters import MAX_NESTING_DEPTH, decode_json_lines, decoded_rows_sql, decoder_spec
from streamscore.sql.statements import parse_job

COLUMNS = ("big BIGINT, i INT, small SMALLINT, tiny TINYINT, x DOUBLE, f FLOAT, s STRING, ok BOOLEAN, "
           "amount DECIMAL(10, 3), d DATE, ts TIMESTAMP(3), z TIMESTAMP_LTZ(6)")
NAMES = ["big", "i", "small", "tiny", "x", "f", "s", "ok", "amount", "d", "ts", "z"]


class JvmDecoder:
    """The JVM decoder as a process (DecodeLines): one base64 record in, one result line out."""

    def __init__(self, spec: str):
        pyflink_lib = Path(sys.modules["pyflink"].__file__).parent / "lib"
        classpath = f"{vendor.streamscore_jar()}:{pyflink_lib}/*"
        self.process = subprocess.Popen(["java", "-Xss2m", "-cp", classpath, "dev.streamscore.json.DecodeLines", spec],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def decode(self, raw: bytes | None) -> list:
        self.process.stdin.write(("-" if raw is None else b64encode(raw).decode()) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def _table(tmp_path, standard: str):
    path = tmp_path / f"t_{standard}.sql"
    path.write_text(f"CREATE TABLE t ({COLUMNS}, WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', "
                    f"'format' = 'json', 'json.timestamp-format.standard' = '{standard}');\n"
                    "INSERT INTO t SELECT * FROM t;")
    return parse_job(path).tables["t"]


@pytest.fixture(scope="module", params=["SQL", "ISO-8601"])
def decoders(request, tmp_path_factory):
    import pyflink  # noqa: F401 - its lib/ holds Flink's jars

    folder = tmp_path_factory.mktemp("agreement")
    table = _table(folder, request.param)
    jvm = JvmDecoder(decoder_spec(table, max_record_bytes=2048))
    yield table, jvm, request.param, folder
    jvm.close()


def _rendered(values) -> list:
    """The replay's values as DecodeLines prints the JVM's (doubles as IEEE bits, times as epoch micros)."""
    out = ["row"]
    for value in values:
        if isinstance(value, float):
            out.append(format(struct.unpack(">q", struct.pack(">d", value))[0] & (2 ** 64 - 1), "x")
                       if not math.isnan(value) else "7ff8000000000000")
        elif isinstance(value, Decimal):
            out.append(format(value, "f"))
        elif isinstance(value, dt.datetime):
            epoch = dt.datetime(1970, 1, 1, tzinfo=value.tzinfo)
            out.append((value - epoch) // dt.timedelta(microseconds=1))
        elif isinstance(value, dt.date):
            out.append((value - dt.date(1970, 1, 1)).days)
        else:
            out.append(value)
    return out


def _replayed(table, folder: Path, raws: list[bytes]) -> list:
    """Each record as the replay decodes a file of them: ["error"] or ["row", values...] as DecodeLines prints."""
    import duckdb

    path = folder / "records.jsonl"
    path.write_bytes(b"".join(r + b"\n" for r in raws))
    rows_file, _, dead = decode_json_lines(table, path, folder / "decoded", max_record_bytes=2048)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = iter(con.sql(decoded_rows_sql(table, rows_file)).fetchall())
    bad = {letter.line for letter in dead}
    return [["error"] if n in bad else _rendered(next(rows)) for n in range(1, len(raws) + 1)]


def _agree(decoders, raws: list[bytes]):
    """``raws`` through both transports; a record the replay cannot take as one line (a line break in it, or
    nothing but whitespace: not a record in a file) is left out."""
    table, jvm, _, folder = decoders
    raws = [r for r in raws if b"\n" not in r and not r.endswith(b"\r") and r.strip()]
    for raw, replayed in zip(raws, _replayed(table, folder, raws)):
        run = jvm.decode(raw)
        run = run[:1] if run[0] == "error" else run
        assert replayed == run, f"record {raw!r}: replay {replayed} / run {run}"


class Literal(str):
    """JSON text written as is (a number as typed: 1.50, 1e3, -0)."""


def _json(value) -> str:
    if isinstance(value, Literal):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return json.dumps(value)


NUMBERS = ["0", "-0", "1", "1.0", "1.50", "-1.9", "1.9", "127", "128", "-32769", "2147483647.5", "2147483648.0",
           "-2147483648.9", "1e3", "1E-7", "123456789012345678901234567890", "9223372036854775807",
           "9223372036854775808", "9223372036854775807.0", "9.3e18", "1e400", "-1e400", "4.9e-324", "0.1", "3.4028235e38", "3.5e38",
           "1234567.9995", "12345678.9995", "0.0005", "-0.0005", "0.00"]
NUMBER_TEXT = ["", " ", "+7", " 42 ", "007", "-", "1.5", ".5", "5.", "NaN", "-Infinity", "nan", "inf", "0x1p3",
               "0X1.8P1", "0x1p", "2d", "3f", "1_000", "١٢", "１２", "1,5", "\t12\n", "9223372036854775808"]
DATES = ["2013-01-02", "2013-02-29", "2012-02-29", "0000-01-01", "9999-12-31", "+2013-01-02", "2013-1-2",
         "١٠١٣-01-02", "2013-01-02 ", "20130102"]
TIMES = ["2013-01-01 05:00:00", "2013-01-01 05:00", "2013-01-01 05:00:00.", "2013-01-01 05:00:00.123456789",
         "2013-01-01 05:00:00.1234567891", "2013-01-01 24:00:00", "2013-02-30 05:00:00", "2013-01-01 05:00:60",
         "2013-01-01T05:00", "2013-01-01T05:00:00.5", "2013-01-01T05:00:00.", "0000-01-01T00:00:00",
         "2013-01-01 05:00:00Z", "2013-01-01T05:00:00Z", "2013-01-01T05:00Z", "2013-01-01T05:00:00.5Z",
         " 2013-01-01 05:00:00"]
TEXT = ["", "true", "TRUE", " false\t", "yes", "\ud800", "\ud83d\ude00", "ü\x01\"\\/", "\x7f"]

numbers = st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False, allow_infinity=False) | \
    st.sampled_from(NUMBERS).map(Literal)
scalars = st.none() | st.booleans() | numbers | st.sampled_from(NUMBER_TEXT + DATES + TIMES + TEXT) | st.text(max_size=8)
anything = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.sampled_from(["a", "b", "x"]), inner, max_size=3), max_leaves=6)
# Mostly the forms a column's type may be written in, so that rows (not only dead letters) are compared.
integers = st.integers(-2 ** 64, 2 ** 64) | st.integers(-200, 200) | st.sampled_from(NUMBERS).map(Literal) | \
    st.integers(-2 ** 40, 2 ** 40).map(lambda n: f" {n}") | st.sampled_from(NUMBER_TEXT)
doubles = numbers | st.floats().map(lambda x: repr(x) if x == x else "NaN") | st.sampled_from(NUMBER_TEXT)
LIKELY = {"big": integers, "i": integers, "small": integers, "tiny": integers, "x": doubles, "f": doubles,
          "s": anything, "ok": st.booleans() | st.sampled_from(TEXT + ["false", "False", "1"]),
          "amount": doubles | st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: Literal(str(d)) if
                                                                                      "E" not in str(d) else str(d)),
          "d": st.sampled_from(DATES) | st.dates().map(str), "ts": st.sampled_from(TIMES), "z": st.sampled_from(TIMES)}
GOOD_TS = {"SQL": "2013-01-01 05:00:00", "ISO-8601": "2013-01-01T05:00:00"}


@st.composite
def records(draw, standard: str) -> bytes:
    record = {"ts": GOOD_TS[standard]} if draw(st.integers(0, 9)) else {}
    for name in draw(st.lists(st.sampled_from(NAMES + ["extra"]), max_size=4)):
        likely = LIKELY.get(name, anything)
        record[name] = draw(likely if draw(st.integers(0, 4)) else anything)
    text = _json(record)
    if draw(st.integers(0, 9)) == 0:  # a duplicate key, trailing text, a byte order mark, an array
        text = draw(st.sampled_from([text[:-1] + ', "i": 1}', text + " {}", "\ufeff" + text, f"[{text}]",
                                     text + "  \n", " " + text]))
    return text.encode("utf-8", "surrogatepass") if draw(st.integers(0, 19)) == 0 else text.encode()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_run_and_replay_decode_generated_records_alike(decoders, data):
    _agree(decoders, data.draw(st.lists(records(decoders[2]), min_size=40, max_size=100)))


@st.composite
def mutated(draw, standard: str) -> bytes:
    raw = bytearray(draw(records(standard)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        raw[at:at + draw(st.integers(0, 3))] = draw(st.binary(max_size=4) | st.sampled_from(
            [b'"', b"{", b"}", b"[", b"]", b",", b":", b"\\", b"\\u", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]))
    return bytes(raw)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_run_and_replay_agree_on_mutated_records(decoders, data):
    _agree(decoders, data.draw(st.lists(mutated(decoders[2]), min_size=40, max_size=80)))


EDGE_RECORDS = [
    b"\x00{}", b"{\x00}", b'{"ts": "2013-01-01 05:00:00"}',
    b'{"s": ' + b"[" * MAX_NESTING_DEPTH + b"]" * MAX_NESTING_DEPTH + b"}",
    b'{"s": ' + b"[" * (MAX_NESTING_DEPTH - 1) + b"]" * (MAX_NESTING_DEPTH - 1) + b"}",
    b'{"extra": ' + b"[" * 5000 + b"}", b'{"s": "' + b"[" * 600 + b'"}',
    b'{"amount": 1e999999999}', b'{"amount": "1e-999999999"}', b'{"amount": -0.0001}',
    b'{"big": ' + b"9" * 1001 + b"}", b'{"x": 1' + b"0" * 999 + b"}",
    b'{"s": {"k": 1.0e7, "j": 0.001, "l": 1e-4, "m": -0.0, "n": 100, "o": [true, null, "\\u0001\\t"]}}',
    b'{"ts": "2013-01-01 05:00:00", "x": "NaN", "f": "-Infinity", "z": "2013-01-01 05:00:00.123456"}',
    b'{"ts": "0001-01-01 00:00:00", "d": "0001-01-01", "z": "9999-12-31 23:59:59.999999"}',
]


def test_run_and_replay_agree_on_edge_records(decoders):
    _agree(decoders, EDGE_RECORDS)


# -- nested types: the same rules at any depth ------------------------------------------------------------
NESTED_COLUMNS = ("o ROW<id STRING NOT NULL, x DOUBLE, `at` ROW<d DATE, ts TIMESTAMP(3)>>, "
                  "lines ARRAY<ROW<qty INT, amount DECIMAL(10, 3), ok BOOLEAN>>, tags ARRAY<STRING NOT NULL>, "
                  "m MAP<STRING, FLOAT>, z ARRAY<TIMESTAMP_LTZ(6)>")


def _nested_rendered(value, dtype):
    """A nested value from DuckDB as DecodeLines prints the JVM's: ROWs as field lists, MAPs as sorted pairs."""
    if value is None:
        return None
    if dtype.is_type("struct"):
        return [_nested_rendered(value[f.name], f.args["kind"]) for f in dtype.expressions]
    if dtype.is_type("array"):
        return [_nested_rendered(v, dtype.expressions[0]) for v in value]
    if dtype.is_type("map"):
        return [[k, _nested_rendered(value[k], dtype.expressions[1])] for k in sorted(value)]
    return _rendered([value])[1]


@st.composite
def nested_records(draw) -> bytes:
    likely = {
        "o": st.fixed_dictionaries({}, optional={"id": st.text(max_size=3) | anything, "x": doubles,
                                                 "at": st.none() | anything | st.fixed_dictionaries(
                                                     {}, optional={"d": st.sampled_from(DATES), "ts": st.sampled_from(TIMES)})}),
        "lines": st.lists(st.none() | st.fixed_dictionaries({}, optional={"qty": integers, "amount": doubles,
                                                                          "ok": LIKELY["ok"]}), max_size=3),
        "tags": st.lists(st.text(max_size=3) | anything, max_size=3),
        "m": st.dictionaries(st.sampled_from(["a", "b", "c"]), doubles | st.none(), max_size=3),
        "z": st.lists(st.sampled_from(TIMES) | st.none(), max_size=2),
    }
    record = {}
    for name in draw(st.lists(st.sampled_from(sorted(likely)), max_size=5, unique=True)):
        record[name] = draw(likely[name] if draw(st.integers(0, 5)) else anything)
    return _json(record).encode()


@pytest.fixture(scope="module")
def nested_decoders(tmp_path_factory):
    import pyflink  # noqa: F401 - its lib/ holds Flink's jars

    folder = tmp_path_factory.mktemp("nested")
    path = folder / "t.sql"
    path.write_text(f"CREATE TABLE t ({NESTED_COLUMNS}) WITH ('connector' = 'kafka', 'format' = 'json');\n"
                    "INSERT INTO t SELECT * FROM t;")
    table = parse_job(path).tables["t"]
    jvm = JvmDecoder(decoder_spec(table, max_record_bytes=2048))
    yield table, jvm, folder
    jvm.close()


def _nested_agree(nested_decoders, raws: list[bytes]) -> int:
    import duckdb

    table, jvm, folder = nested_decoders
    path = folder / "records.jsonl"
    path.write_bytes(b"".join(r + b"\n" for r in raws))
    rows_file, _, dead = decode_json_lines(table, path, folder / "decoded", max_record_bytes=2048)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = iter(con.sql(decoded_rows_sql(table, rows_file)).fetchall())
    bad = {letter.line for letter in dead}
    good = 0
    for n, raw in enumerate(raws, 1):
        run = jvm.decode(raw)
        if n in bad:
            assert run[0] == "error", f"record {raw!r}: replay dead letter / run {run}"
            continue
        good += 1
        replayed = ["row", *(_nested_rendered(v, c.type) for v, c in zip(next(rows), table.columns))]
        assert replayed == run, f"record {raw!r}: replay {replayed} / run {run}"
    return good


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(nested_records(), min_size=40, max_size=80))
def test_run_and_replay_decode_nested_records_alike(nested_decoders, raws):
    _nested_agree(nested_decoders, raws)


def test_nested_edge_records_agree(nested_decoders):
    good = _nested_agree(nested_decoders, [
        b'{"o": {"id": "a", "x": "NaN", "at": {"d": "2024-02-29", "ts": "2024-01-01 00:00:00.123"}}, '
        b'"lines": [{"qty": "7", "amount": 1.0005, "ok": "TRUE"}, null], "tags": [], "m": {"a": 3.4e38, "b": null}, '
        b'"z": ["2013-01-01 05:00:00.123456", null]}',
        b'{"o": {"id": "a", "x": 1e400}, "m": {"a": 3.5e38}}', b'{"o": {"x": 1}}', b'{"tags": [null]}',
        b'{"lines": [{"amount": 12345678.9995}]}', b'{"o": []}', b'{"m": {"a": 1, "a": 2}}',
    ])
    assert good >= 1  # the first record is a row (the others agree as dead letters or rows)
