"""The decoder (the JVM's, as the replay runs it over a file) under inputs nobody designed: arbitrary bytes,
mutations of valid flight records, deep nesting, lone surrogates. Each line gives exactly one row or one
dead letter, the process never fails, and every row reads back with its declared types."""

import json

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamscore.kafka.dead_letters import decode_json_lines, decoded_rows_sql

FLIGHT = {"flight_id": 7, "carrier": "UA", "flight": 1545, "tailnum": "N14228", "origin": "EWR", "dest": "IAH",
          "distance": 1400.0, "sched_dep_time": "2013-01-01 05:15:00", "dep_delay": 2.0, "arr_delay": 11.0}
VALID = json.dumps(FLIGHT).encode()


def _outcomes(table, folder, raws: list[bytes], max_record_bytes: int = 4096) -> list[str | None]:
    """Each record (one per line; one without a line break or blank) -> None (a row) or its dead-letter reason."""
    raws = [r for r in raws if b"\n" not in r and not r.endswith(b"\r") and r.strip()]
    path = folder / "fuzz.jsonl"
    path.write_bytes(b"".join(r + b"\n" for r in raws))
    rows_file, count, dead = decode_json_lines(table, path, folder / "decoded", max_record_bytes)
    rows = duckdb.sql(decoded_rows_sql(table, rows_file)).fetchall()  # every row reads back as declared
    assert count == len(rows) and count + len(dead) == len(raws)
    errors = {letter.line: letter.error for letter in dead}
    assert all(isinstance(e, str) and e for e in errors.values())
    return [errors.get(n) for n in range(1, len(raws) + 1)]


def _mutated(data: st.DataObject) -> bytes:
    raw = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 6))):
        kind = data.draw(st.sampled_from(["flip", "insert", "delete", "replace"]))
        at = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if kind == "flip" and raw:
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete" and raw:
            del raw[at:at + data.draw(st.integers(1, 8))]
        else:
            raw[at:at + 1] = data.draw(st.sampled_from([b'"', b"{", b"[", b"\\", b"\\ud800", b"null", b"1e999"]))
    return bytes(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.binary(max_size=300), min_size=50, max_size=100))
def test_arbitrary_bytes(flights_job, tmp_path, raws):
    _outcomes(flights_job.tables["flights"], tmp_path, raws)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutations_of_a_valid_record(flights_job, tmp_path, data):
    _outcomes(flights_job.tables["flights"], tmp_path, [_mutated(data) for _ in range(80)])


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.dictionaries(st.sampled_from(sorted(FLIGHT)), json_values, max_size=10), min_size=50, max_size=60))
def test_any_values_in_the_flight_fields(flights_job, tmp_path, records):
    _outcomes(flights_job.tables["flights"], tmp_path, [json.dumps({**FLIGHT, **r}).encode() for r in records])


def test_hostile_records_become_dead_letters(flights_job, tmp_path):
    hostile = {
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "deep nesting in a field": json.dumps(FLIGHT)[:-1].encode() + b', "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "lone surrogate": json.dumps({**FLIGHT, "carrier": "\ud800"}).encode(),
        "escaped lone surrogate": VALID.replace(b'"UA"', b'"\\udc00"'),
        "not UTF-8": VALID.replace(b"UA", b"\xff\xfe"),
    }
    outcomes = _outcomes(flights_job.tables["flights"], tmp_path, [*hostile.values(), VALID], 1_000_000)
    for name, error in zip(hostile, outcomes):
        assert error, f"{name} was taken as a row"
    assert outcomes[-1] is None


ORDER = {"order_id": 1, "customer": {"id": "c1", "address": {"city": "Oslo"}},
         "lines": [{"sku": "A", "qty": 2, "price": 1.5}], "tags": ["x"], "attrs": {"k": "v"}}
ORDER_COLUMNS = ("order_id BIGINT, customer ROW<id STRING NOT NULL, address ROW<city STRING>>, "
                 "lines ARRAY<ROW<sku STRING, qty INT, price DECIMAL(8, 2)>>, tags ARRAY<STRING NOT NULL>, "
                 "attrs MAP<STRING, STRING>")


def _orders(tmp_path):
    from streamscore.sql.statements import parse_job

    path = tmp_path / "orders.sql"
    path.write_text(f"CREATE TABLE o ({ORDER_COLUMNS}) WITH ('connector' = 'kafka', 'format' = 'json');\n"
                    "INSERT INTO o SELECT * FROM o;")
    return parse_job(path).tables["o"]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.dictionaries(st.sampled_from(sorted(ORDER)), json_values, max_size=5), min_size=40, max_size=60))
def test_any_values_in_nested_fields(tmp_path, records):
    _outcomes(_orders(tmp_path), tmp_path, [json.dumps({**ORDER, **r}).encode() for r in records])


def test_hostile_nested_records_stay_with_their_record(tmp_path):
    hostile = {
        "deep nesting in a ROW": b'{"customer": {"id": "c", "address": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}",
        "deep nesting in an ARRAY": b'{"lines": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "lone surrogate in a MAP key": b'{"attrs": {"\\ud800": "v"}}',
        "lone surrogate in an element": b'{"tags": ["\\udc00"]}',
        "NULL where NOT NULL": b'{"tags": [null]}',
    }
    outcomes = _outcomes(_orders(tmp_path), tmp_path, [*hostile.values(), json.dumps(ORDER).encode(),
                                                       b'{"lines": [' + b'{"qty": 1},' * 20_000 + b'{}]}'], 1_000_000)
    for name, error in zip(hostile, outcomes):
        assert error, f"{name} was taken as a row"
    assert outcomes[-2:] == [None, None]
