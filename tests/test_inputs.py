"""History wherever it lives (streamscore.history): a glob, a folder of Hive partitions, gzip and zstd
files and the table's own topic give the same rows and dead letters as one plain file; decoded columns
are cached per file and decoded again when a file changes."""

import gzip
import json
import os
import time

import pandas as pd
import pyarrow as pa
import pytest

from streamscore.engines.duckdb import DuckDBEngine
from streamscore.explore import open_tables
from streamscore.replay import parse_inputs, resolve_inputs

DAYS = ["2013-11-01", "2013-11-02", "2013-11-03"]


@pytest.fixture(scope="module")
def dirty(small_files, tmp_path_factory):
    """Three days of flights with malformed lines among them: the plain file, and the same lines split by
    day (each day's file keeps its lines in order)."""
    folder = tmp_path_factory.mktemp("dirty")
    lines = []
    for number, line in enumerate(open(small_files["flights"], "rb"), 1):
        if number % 50 == 0:
            lines.append(json.dumps({**json.loads(line), "dep_delay": "late"}).encode() + b"\n")  # wrong type
        if number % 70 == 0:
            lines.append(line[:-12] + b"\n")  # bad JSON
        lines.append(line)
    plain = folder / "flights.jsonl"
    plain.write_bytes(b"".join(lines))
    assert len(lines) > number + 20
    by_day = {day: [] for day in DAYS}
    current = DAYS[0]
    for line in lines:
        try:
            current = json.loads(line)["sched_dep_time"][:10]
        except (ValueError, KeyError, TypeError):
            pass  # a malformed line stays with the day around it
        by_day[current].append(line)
    return plain, by_day


def _rows_and_letters(project, job, inputs, use_cache=True):
    engine = DuckDBEngine(project, use_cache=use_cache)
    resolved = resolve_inputs(project, job, inputs)
    con = engine.connect(job, resolved, models=False)
    rows = con.sql("SELECT * FROM flights ORDER BY rowid").df()
    con.close()
    return rows, engine.dead_letters, engine


def test_glob_folder_and_compressed_files_read_as_one_plain_file(project_copy, dirty, small_files, tmp_path):
    project = project_copy
    job = project.job("sql/jobs/flight_delays.sql")
    plain, by_day = dirty
    weather = {"weather": small_files["weather"]}
    expected, expected_dead, _ = _rows_and_letters(project, job, {**weather, "flights": plain})
    assert len(expected_dead) == sum(1 for line in plain.read_bytes().splitlines()
                                     if b'"late"' in line or not line.endswith(b"}"))
    assert {d.file for d in expected_dead} == {str(plain)}

    days = tmp_path / "days"
    days.mkdir()
    hive = tmp_path / "hive"
    for day, lines in by_day.items():
        (days / f"flights-{day}.jsonl").write_bytes(b"".join(lines))
        (hive / f"dt={day}").mkdir(parents=True)
        (hive / f"dt={day}" / "part-0.jsonl").write_bytes(b"".join(lines))
    (hive / "_SUCCESS").write_text("")  # a writer's marker is not history
    gz, zst = tmp_path / "flights.jsonl.gz", tmp_path / "flights.jsonl.zst"
    with gzip.open(gz, "wb") as out:
        out.write(plain.read_bytes())
    with pa.CompressedOutputStream(str(zst), "zstd") as out:
        out.write(plain.read_bytes())

    split = {"glob": str(days / "*.jsonl"), "folder": str(hive)}
    for form, spec in {**split, "gzip": str(gz), "zstd": str(zst)}.items():
        rows, dead, _ = _rows_and_letters(project, job, {**weather, **parse_inputs([f"flights={spec}"])})
        pd.testing.assert_frame_equal(rows, expected, obj=form)
        assert [(d.raw, d.error) for d in dead] == [(d.raw, d.error) for d in expected_dead], form
        if form in split:  # named by their file, the line in that file
            for letter in dead:
                day = next(d for d in DAYS if d in letter.file)
                assert by_day[day][letter.line - 1].decode("utf-8", "backslashreplace").rstrip("\n") == letter.raw
        else:
            assert [(d.file, d.line) for d in dead] == [(spec, d.line) for d in expected_dead]


def test_a_replay_over_a_glob_writes_the_plain_files_sinks_and_dead_letters(project_copy, dirty, small_files, tmp_path):
    project = project_copy
    job = project.job("sql/jobs/flight_delays.sql")
    plain, by_day = dirty
    days = tmp_path / "days"
    days.mkdir()
    for day, lines in by_day.items():
        (days / f"{day}.jsonl").write_bytes(b"".join(lines))
    one = DuckDBEngine(project).replay(job, {"flights": plain, "weather": small_files["weather"]}, tmp_path / "one")
    many = DuckDBEngine(project).replay(job, resolve_inputs(project, job, parse_inputs(
        [f"flights={days}/*.jsonl", f"weather={small_files['weather']}"])), tmp_path / "many")
    from streamscore.replay import compare_tables

    for sink in one.sinks:  # rows as multisets: ties of an ORDER BY come in any order
        assert compare_tables(sink, pd.read_parquet(one.sinks[sink]), pd.read_parquet(many.sinks[sink])).equal, sink
    assert many.dead_letters == one.dead_letters and one.dead_letters["flights"] > 0
    letters = pd.read_parquet(many.dead_letters_file)
    assert list(letters.columns) == ["source_table", "file", "line", "raw", "error"]
    assert set(letters["file"]) <= {str(days / f"{day}.jsonl") for day in DAYS}


PARTITIONED = """
CREATE TABLE sales (
  id     BIGINT,
  amount DOUBLE,
  dt     STRING,
  region STRING,
  ts     TIMESTAMP(3),
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'kafka', 'topic' = 'sales', 'format' = 'json');
"""


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "csv.zst", "parquet"])
def test_hive_partition_folders_fill_the_columns_the_table_declares(project_copy, tmp_path, fmt):
    project = project_copy
    ddl = project.root / "sales.sql"
    ddl.write_text(PARTITIONED)
    root = tmp_path / "sales"
    expected = []
    for day in ("2013-11-01", "2013-11-02"):
        for region in ("east", "west"):
            rows = [{"id": i, "amount": i * 1.5, "ts": f"{day} 0{i}:00:00"} for i in range(3)]
            folder = root / f"dt={day}" / f"region={region}"
            folder.mkdir(parents=True)
            frame = pd.DataFrame(rows)
            if fmt == "jsonl":
                (folder / "part.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
            elif fmt == "csv":
                frame.to_csv(folder / "part.csv", index=False)
            elif fmt == "csv.zst":
                with pa.CompressedOutputStream(str(folder / "part.csv.zst"), "zstd") as out:
                    out.write(frame.to_csv(index=False).encode())
            else:
                frame.assign(ts=pd.to_datetime(frame["ts"])).to_parquet(folder / "part.parquet")
            expected += [(r["id"], day, region) for r in rows]
    con, _, files, _ = open_tables(project, ddl, {"sales": root})
    got = con.sql("SELECT id, dt, region FROM sales ORDER BY dt, region, id").fetchall()
    assert got == sorted(expected, key=lambda r: (r[1], r[2], r[0]))


def test_decoded_once_then_again_when_a_file_changes(project_copy, dirty, small_files, tmp_path):
    project = project_copy
    job = project.job("sql/jobs/flight_delays.sql")
    _, by_day = dirty
    days = tmp_path / "days"
    days.mkdir()
    for day, lines in by_day.items():
        (days / f"{day}.jsonl").write_bytes(b"".join(lines))
    inputs = parse_inputs([f"flights={days}", f"weather={small_files['weather']}"])
    first, dead, engine = _rows_and_letters(project, job, inputs)
    assert (engine.cache_hits, engine.cache_misses) == (0, 4)  # three days and the weather
    again, dead_again, engine = _rows_and_letters(project, job, inputs)
    assert (engine.cache_hits, engine.cache_misses) == (4, 0)
    pd.testing.assert_frame_equal(first, again)
    assert [(d.file, d.line, d.error) for d in dead] == [(d.file, d.line, d.error) for d in dead_again]

    changed = days / f"{DAYS[1]}.jsonl"
    record = json.loads(next(line for line in by_day[DAYS[1]] if b'"dep_delay": "late"' not in line
                             and line.endswith(b"}\n")))
    with open(changed, "ab") as out:
        out.write(json.dumps({**record, "flight_id": 10 ** 12}).encode() + b"\n" + b"{not json\n")
    os.utime(changed, (time.time() + 5, time.time() + 5))  # a new mtime even within the clock's resolution
    later, dead_later, engine = _rows_and_letters(project, job, inputs)
    assert (engine.cache_hits, engine.cache_misses) == (3, 1)
    assert len(later) == len(first) + 1 and 10 ** 12 in set(later["flight_id"])
    assert len(dead_later) == len(dead) + 1
    assert (str(changed), len(by_day[DAYS[1]]) + 2, "{not json") in [(d.file, d.line, d.raw) for d in dead_later]

    bypassed, _, engine = _rows_and_letters(project, job, inputs, use_cache=False)
    assert (engine.cache_hits, engine.cache_misses) == (0, 4)
    pd.testing.assert_frame_equal(bypassed, later)

    from streamscore.cli import main

    decoded = project.root / ".streamscore" / "cache" / "decoded"
    assert len(list(decoded.glob("*.parquet"))) == 5  # the changed day's old entry among them
    assert main(["--project", str(project.root), "cache", "prune"]) == 0
    assert len(list(decoded.glob("*.parquet"))) == 4
    _, _, engine = _rows_and_letters(project, job, inputs)
    assert (engine.cache_hits, engine.cache_misses) == (4, 0)
    assert main(["--project", str(project.root), "cache", "clear"]) == 0
    assert not (project.root / ".streamscore" / "cache").exists()


@pytest.mark.kafka
def test_the_topic_as_input_reads_what_run_would(project_copy, dirty, small_files, broker, monkeypatch):
    """`--input flights=kafka`: the committed records of the table's topic, earliest to the end now, through
    the same decoder: the plain file's rows and dead letters, named by partition and offset."""
    from confluent_kafka import Producer

    from streamscore.kafka.client import reset_topics

    project = project_copy
    job = project.job("sql/jobs/flight_delays.sql")
    plain, _ = dirty
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    reset_topics(broker.bootstrap_servers, ["flights"])
    producer = Producer({"bootstrap.servers": broker.bootstrap_servers})
    for line in plain.read_bytes().splitlines():
        producer.produce("flights", line)
    producer.flush(30)
    weather = {"weather": small_files["weather"]}
    expected, expected_dead, _ = _rows_and_letters(project, job, {**weather, "flights": plain})
    rows, dead, engine = _rows_and_letters(project, job, {**weather, **parse_inputs(["flights=kafka"])})
    pd.testing.assert_frame_equal(rows, expected)
    assert [(d.raw, d.error) for d in dead] == [(d.raw, d.error) for d in expected_dead]
    assert [(d.file, d.line) for d in dead] == [("flights partition 0", d.line - 1) for d in expected_dead]
    # Unchanged topic: its records and their decoding are reused.
    _, _, engine = _rows_and_letters(project, job, {**weather, **parse_inputs(["flights=kafka"])})
    assert engine.cache_misses == 0
    # The same binding in connectors/replay.toml.
    toml = project.root / "connectors" / "replay.toml"
    toml.write_text(toml.read_text().replace('path = "data/flights_live.jsonl"', 'path = "kafka"'))
    bound = resolve_inputs(project, job, dict(weather))
    assert bound["flights"] == resolve_inputs(project, job, {**weather, **parse_inputs(["flights=kafka"])})["flights"]
    # From a time on: every record of the topic is older than the year 2999.
    later = resolve_inputs(project, job, {**weather, **parse_inputs(["flights=kafka@2999-01-01T00:00:00"])})
    assert later["flights"].read_bytes() == b""


def test_memory_limit_spills_to_the_projects_temp_folder_and_progress_waits(project_copy, small_files):
    import io

    from streamscore.errors import ConfigError
    from streamscore.history import Progress

    project = project_copy
    job = project.job("sql/jobs/flight_delays.sql")
    engine = DuckDBEngine(project, memory_limit="300MB")
    con = engine.connect(job, small_files, models=False)
    limit, temp = con.sql("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]
    con.close()
    assert limit in ("286.1 MiB", "300.0 MB") and temp == str(project.root / ".streamscore" / "tmp")
    with pytest.raises(ConfigError, match="--memory-limit"):
        DuckDBEngine(project, memory_limit="lots").connect(job, small_files, models=False)

    quiet, loud = io.StringIO(), io.StringIO()
    Progress(quiet).say("flights: 10 rows read")  # a short replay says nothing
    slow = Progress(loud, after=0.0)
    slow.read["flights"] = 1000
    slow.say("flight_scores: 7 sink rows")
    assert quiet.getvalue() == "" and "flight_scores: 7 sink rows" in loud.getvalue() and "rows/s" in loud.getvalue()


@pytest.mark.flink
def test_flink_replays_a_glob_as_the_rows_the_decoder_kept(project, dirty, small_files, tmp_path):
    """`replay --engine flink` over a glob: Flink gets one Parquet file of the decoded rows; its sinks equal
    the DuckDB replay's and the dead letters are the same, named by their file."""
    from streamscore.replay import compare_tables, replay

    job = project.job("sql/jobs/flight_delays.sql")
    _, by_day = dirty
    days = tmp_path / "days"
    days.mkdir()
    for day, lines in by_day.items():
        (days / f"{day}.jsonl").write_bytes(b"".join(lines))
    inputs = resolve_inputs(project, job, parse_inputs([f"flights={days}/*.jsonl",
                                                        f"weather={small_files['weather']}"]))
    duck = replay(project, job, inputs, tmp_path / "duckdb", "duckdb", use_cache=False)
    flink = replay(project, job, inputs, tmp_path / "flink", "flink", use_cache=False)
    for sink in duck.sinks:
        assert compare_tables(sink, pd.read_parquet(flink.sinks[sink]), pd.read_parquet(duck.sinks[sink])).equal, sink
    assert flink.dead_letters == duck.dead_letters and duck.dead_letters["flights"] > 0
    assert pd.read_parquet(flink.dead_letters_file).equals(pd.read_parquet(duck.dead_letters_file))


def test_connect_and_explore_expose_every_table_with_an_input(project_copy, small_files, tmp_path, capsys):
    """Beside a job's sources: the project's other tables (a labels table the job does not read)."""
    import streamscore
    from streamscore.cli import main

    project = project_copy
    (project.root / "sql" / "labels.sql").write_text(
        "CREATE TABLE flight_labels (flight_id BIGINT, late BOOLEAN, labelled_at TIMESTAMP(3)) "
        "WITH ('connector' = 'kafka', 'topic' = 'flight_labels', 'format' = 'json');\n")
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "part-0.jsonl.gz").write_bytes(gzip.compress(
        b'{"flight_id": 1, "late": true, "labelled_at": "2013-11-01 10:00:00"}\n{"flight_id": 2}\nnot json\n'))
    inputs = {**small_files, "flight_labels": labels}
    con = streamscore.connect("sql/jobs/flight_delays.sql", inputs, project=project.root)
    assert con.sql("SELECT flight_id, late FROM flight_labels ORDER BY flight_id").fetchall() == [(1, True), (2, None)]
    assert con.sql("SELECT count(*) FROM flight_features").fetchall()[0][0] > 0
    con.close()
    args = ["--project", str(project.root), "explore", "sql/jobs/flight_delays.sql", "--sql", ".tables"]
    args += [f"--input={name}={path}" for name, path in inputs.items()]
    assert main(args) == 0
    captured = capsys.readouterr()
    out = captured.out
    import re

    assert re.search(r"flight_labels\s+source\s+\S*labels\n", out) and re.search(r"flight_features\s+view", out)
    assert "flight_labels: 1 records are not rows" in captured.err  # the line that is not JSON


def test_replay_command_over_a_quoted_glob(project_copy, dirty, small_files, tmp_path, capsys):
    from streamscore.cli import main

    project = project_copy
    _, by_day = dirty
    days = tmp_path / "days"
    days.mkdir()
    for day, lines in by_day.items():
        (days / f"{day}.jsonl.gz").write_bytes(gzip.compress(b"".join(lines)))
    args = ["--project", str(project.root), "replay", "sql/jobs/flight_delays.sql", "--no-check",
            "--input", f"flights={days}/*.jsonl.gz", "--input", f"weather={small_files['weather']}",
            "--output", str(tmp_path / "out")]
    assert main(args) == 0
    captured = capsys.readouterr()
    dead = sum(1 for lines in by_day.values() for line in lines if b'"late"' in line or not line.endswith(b"}\n"))
    assert f"flights: {dead:,} records are not rows" in captured.out
    assert "rows read" not in captured.out  # progress (a replay past 5 s) goes to stderr only
    assert main(args[:-2] + ["--output", str(tmp_path / "none"), "--input", "flights=nowhere/*.jsonl"]) == 2
    assert "input nowhere/*.jsonl: no file matches" in capsys.readouterr().err
