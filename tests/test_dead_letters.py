"""Malformed source records go to a dead-letter topic; the job keeps running; nothing is lost."""

import dataclasses
import datetime as dt
import json
import math
from decimal import Decimal

import pytest
from confluent_kafka import Producer

from streamscore.kafka.client import ensure_topics, read_topic
from streamscore.kafka.dead_letters import decode_json_lines, decoded_rows_sql, read_dead_letters, unguarded_reason
from streamscore.sql.statements import parse_job


def _table(tmp_path, columns: str, rowtime: str | None = "ts", options: str = "'format' = 'json'"):
    watermark = f", WATERMARK FOR {rowtime} AS {rowtime}" if rowtime else ""
    path = tmp_path / "t.sql"
    path.write_text(f"CREATE TABLE t ({columns}{watermark}) WITH ('connector' = 'kafka', {options});\n"
                    "INSERT INTO t SELECT * FROM t;")
    return parse_job(path).tables["t"]


def _decode(table, folder, *records: bytes, max_record_bytes: int = 1 << 20) -> list:
    """Each record, one per line of a file, through the replay's decoding (the JVM decoder `run` uses, then
    DuckDB reading its output): a tuple of values, or the reason it is a dead letter."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "records.jsonl"
    path.write_bytes(b"".join(r + b"\n" for r in records))
    rows_file, count, dead = decode_json_lines(table, path, folder / "decoded", max_record_bytes)
    rows = iter(duckdb.sql(decoded_rows_sql(table, rows_file)).fetchall())
    errors = {letter.line: letter.error for letter in dead}
    assert count + len(dead) == len(records)
    return [errors[line] if line in errors else next(rows) for line in range(1, len(records) + 1)]


@pytest.fixture
def table(tmp_path):
    return _table(tmp_path, "id BIGINT, n INT, x DOUBLE, ok BOOLEAN, name STRING, d DATE, "
                            "amount DECIMAL(6, 2), ts TIMESTAMP(3)")


def _record(**fields):
    base = {"id": 1, "n": 2, "x": 1.5, "ok": True, "name": "a", "d": "2013-01-02", "amount": 12.345,
            "ts": "2013-01-01 05:00:00.1239"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v != "<missing>"}).encode()


def test_a_good_record_takes_the_declared_types(table, tmp_path):
    first, second = _decode(table, tmp_path, _record(), _record(x=3, id=4.0, name=None))
    assert first == (1, 2, 1.5, True, "a", dt.date(2013, 1, 2), Decimal("12.35"), dt.datetime(2013, 1, 1, 5, 0, 0, 123000))
    assert second[:5] == (4, 2, 3.0, True, None)


def test_values_flinks_json_format_accepts_are_accepted(table, tmp_path):
    """Flink's format reads text for numbers, numbers and objects as STRING text, truncates a float INT."""
    texts, written, nested, odd = _decode(
        table, tmp_path, _record(x="529.5", id="900007", n=1.9, name=12.50, ok="TRUE", amount="1.005"),
        b'{"name": 12.50, "ts": "2013-01-01 05:00:00"}', _record(name={"b": [1, 2.5, "q"]}, x=" NaN "),
        _record(x="0x1p3", id=" +7 "))
    assert texts[:5] == (900007, 1, 529.5, True, "12.5") and texts[6] == Decimal("1.01")
    assert written[4] == "12.50"  # the number as written
    assert nested[4] == '{"b":[1,2.5,"q"]}' and nested[2] != nested[2]  # NaN
    assert odd[:3] == (7, 2, 8.0)


MALFORMED = [
    (b'{"id": 1, "ts": ', "bad JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "bad JSON: a JSON array where an object was expected"),
    (b'{"id": 1, "id": 2, "ts": "2013-01-01 05:00:00"}', "Duplicate field 'id'"),
    (_record(id="seven"), "`id`: cannot be read as BIGINT"),
    (_record(id="1.5"), "`id`: cannot be read as BIGINT"),
    (_record(n=2 ** 31), "`n`: cannot be read as INT"),
    (_record(n=2.0 ** 31), "`n`: cannot be read as INT"),
    (_record(x="1,5"), "`x`: cannot be read as DOUBLE"),
    (_record(x=True), "`x`: cannot be read as DOUBLE"),
    (_record(ok="yes"), "`ok`: expected BOOLEAN"),
    (_record(ok=1), "`ok`: expected BOOLEAN"),
    (_record(name="\ud800"), "`name`: string holds a lone UTF-16 surrogate"),
    (_record(d="2013-02-30"), "`d`: cannot be read as DATE"),
    (_record(amount=12345.6), "`amount`: 12345.6 does not fit DECIMAL(6, 2)"),
    (_record(ts="<missing>"), "event time `ts` is NULL or missing"),
    (_record(ts=None), "event time `ts` is NULL or missing"),
    (_record(ts="2013-01-01 05:00"), "`ts`: expected a timestamp like 'yyyy-MM-dd HH:mm:ss[.SSS]'"),
    (_record(ts="2013-02-30 05:00:00"), "`ts`: "),
    (_record(ts="2013-01-01T05:00:00"), "`ts`: expected a timestamp like 'yyyy-MM-dd HH:mm:ss[.SSS]'"),
    (_record(ts=1357016400000), "`ts`: expected a timestamp"),
    (_record(name="x" * 300), "over the limit of 200"),
    (b'{"id": NaN, "ts": "2013-01-01 05:00:00"}', "bad JSON: Non-standard token 'NaN'"),
    (b'{"ts": "2013-01-01 05:00:00"} {}', "bad JSON"),
]


def test_malformed_records_say_why(table, tmp_path):
    decoded = _decode(table, tmp_path, *(raw for raw, _ in MALFORMED), max_record_bytes=200)
    for (raw, error), result in zip(MALFORMED, decoded):
        assert isinstance(result, str) and error in result, (raw, result)


def test_event_time_inputs_of_a_computed_rowtime_are_required(tmp_path):
    table = _table(tmp_path, "id BIGINT, ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ms, 3)")
    row, missing = _decode(table, tmp_path, b'{"id": 1, "ms": 5}', b'{"id": 1}')
    assert row == (1, 5)
    assert "event time `ms` is NULL or missing" in missing


def test_iso_timestamps_and_local_zoned_timestamps(tmp_path):
    table = _table(tmp_path, "ts TIMESTAMP(3), z TIMESTAMP_LTZ(3)",
                   options="'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601'")
    row, bad = _decode(table, tmp_path, b'{"ts": "2013-01-01T05:00:00.5", "z": "2013-01-01T05:00:00Z"}',
                       b'{"ts": "2013-01-01T05:00:00", "z": "2013-01-01T05:00:00"}')
    assert row[0] == dt.datetime(2013, 1, 1, 5, 0, 0, 500000)
    assert row[1] == dt.datetime(2013, 1, 1, 5, tzinfo=dt.timezone.utc)
    assert "`z`: expected a timestamp like 'yyyy-MM-ddTHH:mm:ss" in bad


def test_tables_the_parser_cannot_check_keep_flinks_format(tmp_path):
    assert unguarded_reason(_table(tmp_path, "ts TIMESTAMP(3)", options="'format' = 'csv'")).startswith("format 'csv'")
    assert "`raw` has type BYTES" in unguarded_reason(_table(tmp_path, "raw BYTES, ts TIMESTAMP(3)"))
    # Flink's json format reads map keys only as strings
    assert "`m` has type MAP<INT, STRING>" in unguarded_reason(_table(tmp_path, "m MAP<INT, STRING>, ts TIMESTAMP(3)"))
    assert "`r` has type ROW<b BYTES>" in unguarded_reason(_table(tmp_path, "r ROW<b BYTES>, ts TIMESTAMP(3)"))
    assert unguarded_reason(_table(tmp_path, "id BIGINT, ts TIMESTAMP(3)")) is None
    assert unguarded_reason(_table(tmp_path, "r ROW<a ARRAY<MAP<STRING, DECIMAL(5, 2)>>>, ts TIMESTAMP(3)")) is None


NESTED = ("o ROW<id STRING NOT NULL, at ROW<city STRING, day DATE>>, lines ARRAY<ROW<sku STRING, qty INT, "
          "price DECIMAL(6, 2), t TIMESTAMP(3), z TIMESTAMP_LTZ(3)>>, tags ARRAY<STRING NOT NULL>, "
          "m MAP<STRING NOT NULL, DOUBLE>, ok ARRAY<BOOLEAN>, ts TIMESTAMP(3)")


def test_nested_values_decode_to_duckdb_values(tmp_path):
    table = _table(tmp_path, NESTED)
    row, empty = _decode(
        table, tmp_path,
        b'{"o": {"id": "c1", "at": {"city": "Oslo", "day": "2024-02-29"}}, "lines": [{"sku": "A", "qty": "2", '
        b'"price": 1.005, "t": "2024-01-01 10:00:00.123", "z": "2024-01-01 10:00:00.5Z"}, {"sku": null}], '
        b'"tags": ["x"], "m": {"b": "NaN", "a": 0.1}, "ok": [true, "FALSE"], "ts": "2024-01-01 00:00:00"}',
        b'{"o": {"id": "c2"}, "lines": [], "tags": [], "m": {}, "ts": "2024-01-01 00:00:00"}')
    assert row[0] == {"id": "c1", "at": {"city": "Oslo", "day": dt.date(2024, 2, 29)}}
    assert row[1] == [{"sku": "A", "qty": 2, "price": Decimal("1.01"), "t": dt.datetime(2024, 1, 1, 10, 0, 0, 123000),
                       "z": dt.datetime(2024, 1, 1, 10, 0, 0, 500000, tzinfo=dt.timezone.utc)},
                      {"sku": None, "qty": None, "price": None, "t": None, "z": None}]
    assert row[2] == ["x"] and row[4] == [True, False]
    assert row[3]["a"] == 0.1 and math.isnan(row[3]["b"])  # doubles exact, NaN kept
    assert empty[:5] == ({"id": "c2", "at": None}, [], [], {}, None)


@pytest.mark.parametrize("record, error", [
    (b'{"o": {"at": {"city": "Oslo"}}}', "`o.id`: NULL or missing, declared STRING NOT NULL"),
    (b'{"tags": ["a", null]}', "`tags[2]`: NULL or missing, declared STRING NOT NULL"),
    (b'{"lines": [{"price": 12345.5}]}', "`lines[1].price`: 12345.5 does not fit DECIMAL(6, 2)"),
    (b'{"lines": [{"t": "2024-02-30 00:00:00"}]}', "`lines[1].t`: expected a timestamp"),
    (b'{"ok": ["yes"]}', "`ok[1]`: expected BOOLEAN, got yes"),  # Flink's format: false
    (b'{"o": "c1"}', "`o`: cannot be read as ROW<"),  # a wrong shape, never a silent NULL
    (b'{"lines": {"sku": "A"}}', "`lines`: cannot be read as ARRAY<"),
    (b'{"m": [1]}', "`m`: cannot be read as MAP<"),
    (b'{"m": {"a": 1, "a": 2}}', "`m`: cannot be read as MAP<"),  # Flink's format keeps the last
    (b'{"o": {"id": "c1", "at": {"day": "2024-02-30"}}}', "`o`: cannot be read as ROW<"),
])
def test_nested_values_of_the_wrong_kind_are_dead_letters(tmp_path, record, error):
    table = _table(tmp_path, NESTED, rowtime=None)
    [bad] = _decode(table, tmp_path, record)
    assert error in bad


# -- through Flink and the broker --------------------------------------------------------------------------
BAD_KINDS = [
    ("bad JSON", lambda r: json.dumps(r).encode()[:-9]),
    ("wrong type", lambda r: json.dumps({**r, "dep_delay": "late"}).encode()),
    ("missing event time", lambda r: json.dumps({k: v for k, v in r.items() if k != "sched_dep_time"}).encode()),
    ("NULL event time", lambda r: json.dumps({**r, "sched_dep_time": None}).encode()),
    ("bad timestamp", lambda r: json.dumps({**r, "sched_dep_time": "2013-13-45 99:00:00"}).encode()),
    ("oversized", lambda r: json.dumps({**r, "tailnum": "N" * 5000}).encode()),
    ("not UTF-8", lambda r: b"\xff" + json.dumps(r).encode()),
    ("tombstone", lambda r: None),
    # hostile: each once stalled a job (a restart loop) or became a silent wrong row
    ("deep nesting", lambda r: json.dumps({**r, "tailnum": "?"}).encode().replace(b'"?"', b"[" * 1500 + b"]" * 1500)),
    ("lone surrogate", lambda r: json.dumps({**r, "tailnum": "\ud800"}).encode()),
    ("duplicate key", lambda r: json.dumps(r).encode()[:-1] + b', "flight_id": 1}'),
    ("array of records", lambda r: b"[" + json.dumps(r).encode() + b"]"),
    ("text after the record", lambda r: json.dumps(r).encode() + b" {}"),
    ("number out of range", lambda r: json.dumps({**r, "flight_id": 1e30}).encode()),
]


@pytest.mark.kafka
def test_one_percent_bad_records_become_dead_letters(project, flink_engine, flights_job, broker, small_files):
    servers = broker.bootstrap_servers
    profile = dataclasses.replace(
        project.profile("local"), bootstrap_servers=servers, dead_letter_topic="dl_flights", max_record_bytes=4096,
        tables={"flights": {"topic": "dl_in_flights"}, "weather": {"topic": "dl_in_weather"},
                "flight_scores": {"topic": "dl_scores"}, "delay_alerts": {"topic": "dl_alerts"}})
    ensure_topics(servers, ["dl_in_flights", "dl_in_weather", "dl_scores", "dl_alerts"])
    producer = Producer({"bootstrap.servers": servers, "enable.idempotence": True})
    for line in open(small_files["weather"], "rb"):
        producer.produce("dl_in_weather", line.rstrip(b"\n"))
    good, bad = [], []  # bad: (offset, payload)
    for number, line in enumerate(open(small_files["flights"], "rb")):
        record = json.loads(line)
        if number % 50 == 25:  # 2%: one bad record after every 49 good ones, every kind in turn
            payload = BAD_KINDS[len(bad) % len(BAD_KINDS)][1](record)
            bad.append((len(good) + len(bad), payload))
            producer.produce("dl_in_flights", payload)
        else:
            good.append(record["flight_id"])
            producer.produce("dl_in_flights", line.rstrip(b"\n"))
    assert producer.flush(30) == 0 and len(bad) >= 2 * len(BAD_KINDS)

    result = flink_engine.run(flights_job, profile, bounded=True, log=lambda m: None)

    # the job kept running to the end of its input, and never restarted (a restart would replay the topic
    # into the at-least-once sink: the scores below would hold duplicates)
    assert result.status == "FINISHED"
    scored = [r["flight_id"] for r in read_topic(servers, "dl_scores")]
    letters = read_dead_letters(servers, "dl_flights")
    assert sorted(scored) == sorted(good)  # every good record scored once
    assert len(good) + len(bad) == len(scored) + len(letters)  # in = out + dead letters
    assert [(int(d["source.offset"]), d["payload"]) for d in letters] == bad  # the original bytes, in order
    assert {d["source.topic"] for d in letters} == {"dl_in_flights"}
    assert {d["source.table"] for d in letters} == {"flights"} and {d["source.partition"] for d in letters} == {"0"}
    reasons = [d["error"] for d in letters]
    for expected, (kind, _) in zip(["bad JSON", "`dep_delay`: cannot be read as DOUBLE",
                                    "event time `sched_dep_time` is NULL or missing",
                                    "event time `sched_dep_time` is NULL or missing",
                                    "`sched_dep_time`: expected a timestamp like 'yyyy-MM-dd HH:mm:ss[.SSS]'",
                                    "over the limit of 4096", "not UTF-8", "tombstone", "`tailnum`: cannot be read as STRING",
                                    "`tailnum`: string holds a lone UTF-16 surrogate", "Duplicate field 'flight_id'",
                                    "a JSON array where an object was expected", "bad JSON",
                                    "`flight_id`: cannot be read as BIGINT"], BAD_KINDS):
        assert any(expected in r for r in reasons), (kind, reasons)


@pytest.mark.flink
def test_replay_of_dirty_history_dead_letters_what_run_would(project, flink_engine, flights_job, small_files,
                                                             tmp_path):
    """A raw topic dump with bad lines replays on both engines: the same records become rows as in `run`
    (one parser decides), the rest land in dead_letters.parquet with their line and reason."""
    import pandas as pd

    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.replay import compare_tables

    dirty = tmp_path / "flights.jsonl"
    bad_lines = {}
    with open(small_files["flights"], "rb") as clean, open(dirty, "wb") as out:
        for number, line in enumerate(clean, 1):
            kind, make = BAD_KINDS[number % 5]  # line-shaped kinds only (no tombstone in a file)
            if number % 40 == 0:
                payload = make(json.loads(line))
                out.write(payload + b"\n")
                bad_lines[number + len(bad_lines)] = kind
            out.write(line)
    inputs = {**small_files, "flights": dirty}
    duck = DuckDBEngine(project).replay(flights_job, inputs, tmp_path / "duckdb")
    flink = flink_engine.replay(flights_job, inputs, tmp_path / "flink")

    for result in (duck, flink):
        letters = pd.read_parquet(result.dead_letters_file)
        assert list(letters["line"]) == sorted(bad_lines)  # every bad line, and only those
        assert result.dead_letters == {"flights": len(bad_lines)}
        assert all(isinstance(e, str) and e for e in letters["error"])  # each with the JVM decoder's reason
    for sink in duck.sinks:
        diff = compare_tables(sink, pd.read_parquet(flink.sinks[sink]), pd.read_parquet(duck.sinks[sink]))
        assert diff.equal, sink
    scored = pd.read_parquet(duck.sinks["flight_scores"])
    assert len(scored) == sum(1 for _ in open(small_files["flights"]))  # every good flight scored


def test_a_large_file_is_decoded_in_parts_and_joined_in_order(flights_job, tmp_path):
    """Past DecodeFile.PARALLEL_FROM_BYTES the file is cut at line ends and decoded on every core: the rows keep
    the file's order and each dead letter its line number in the whole file."""
    import duckdb

    table = flights_job.tables["flights"]
    good = {"carrier": "UA", "flight": 1545, "tailnum": "N14228", "origin": "EWR", "dest": "IAH",
            "distance": 1400.0, "sched_dep_time": "2013-01-01 05:15:00", "dep_delay": 2.0, "arr_delay": 11.0}
    lines, bad, ids = [], set(), []
    for i in range(60_000):  # ~10 MB
        if i % 997 == 0:
            lines.append(b'{"flight_id": "not a number", "sched_dep_time": "2013-01-01 05:15:00"}')
            bad.add(len(lines))
        elif i % 1499 == 0:
            lines.append(b"   ")  # blank: not a record, but a line
        else:
            lines.append(json.dumps({"flight_id": i, **good}).encode())
            ids.append(i)
    path = tmp_path / "large.jsonl"
    path.write_bytes(b"\n".join(lines))  # no LF after the last line
    assert path.stat().st_size > 8 << 20
    rows_file, count, dead = decode_json_lines(table, path, tmp_path / "decoded")
    assert [d.line for d in dead] == sorted(bad) and count == len(ids)
    assert [r[0] for r in duckdb.sql(f"SELECT flight_id FROM ({decoded_rows_sql(table, rows_file)})").fetchall()] == ids
