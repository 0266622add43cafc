"""The dead-letter decoder under inputs nobody designed: arbitrary bytes, mutations of valid flight
records, deep nesting, lone surrogates. Each input gives exactly one row or one dead letter, never an
exception, and every row converts to Arrow with its declared types (what the Flink worker does next)."""

import json

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamscore.engines.flink import arrow_type
from streamscore.kafka.dead_letters import RecordParser

FLIGHT = {"flight_id": 7, "carrier": "UA", "flight": 1545, "tailnum": "N14228", "origin": "EWR", "dest": "IAH",
          "distance": 1400.0, "sched_dep_time": "2013-01-01 05:15:00", "dep_delay": 2.0, "arr_delay": 11.0}
VALID = json.dumps(FLIGHT).encode()


def _parser(flights_job):
    return RecordParser(flights_job.tables["flights"], max_record_bytes=4096)


def _check_one_outcome(parser, raw):
    out = parser.parse_or_error(raw)  # must not raise
    assert len(out) == len(parser.fields) + 1
    *values, error = out
    if error is None:
        for field, value in zip(parser.fields, values):
            pa.array([value], type=arrow_type(field.type))  # the row crosses into Arrow as Flink needs
    else:
        assert isinstance(error, str) and error and all(v is None for v in values)
    return error


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


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_arbitrary_bytes(flights_job, raw):
    _check_one_outcome(_parser(flights_job), raw)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutations_of_a_valid_record(flights_job, data):
    _check_one_outcome(_parser(flights_job), _mutated(data))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(sorted(FLIGHT)), json_values, max_size=10))
def test_any_values_in_the_flight_fields(flights_job, fields):
    _check_one_outcome(_parser(flights_job), json.dumps({**FLIGHT, **fields}).encode())


def test_hostile_records_become_dead_letters(flights_job):
    parser = _parser(flights_job)
    hostile = {
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "deep nesting in a field": json.dumps(FLIGHT)[:-1].encode() + b', "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "lone surrogate": json.dumps({**FLIGHT, "carrier": "\ud800"}).encode(),
        "escaped lone surrogate": VALID.replace(b'"UA"', b'"\\udc00"'),
        "not UTF-8": VALID.replace(b"UA", b"\xff\xfe"),
        "tombstone": None,
    }
    for name, raw in hostile.items():
        parser = RecordParser(flights_job.tables["flights"], max_record_bytes=1_000_000)
        assert _check_one_outcome(parser, raw), f"{name} was taken as a row"
    assert _check_one_outcome(parser, VALID) is None
