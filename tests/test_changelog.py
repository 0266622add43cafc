"""Changelog sources (debezium-json, upsert-kafka) on the replay: the table as its changes leave it, and the
records Flink refuses refused by both engines (the corpus cases changelog_* hold Flink's rows for whole jobs;
test_verify_kafka runs an upsert-kafka source on Flink from a real topic)."""

import json

import pandas as pd
import pytest

from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import EngineError
from streamscore.project import Project

JOB = """
CREATE TABLE products (id INT, name STRING, weight DOUBLE, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'kafka', 'topic' = 'products', 'format' = 'debezium-json'{options});
CREATE TABLE names (id INT, name STRING, weight DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO names SELECT id, name, weight FROM products;
"""


def change(op, before=None, after=None):
    return {"before": before, "after": after, "op": op}


def project_with(tmp_path, records, options="", job=JOB):
    root = tmp_path / "shop"
    (root / "sql" / "jobs").mkdir(parents=True)
    (root / "connectors").mkdir()
    (root / "connectors" / "replay.toml").write_text('kind = "files"\n')
    (root / "sql" / "jobs" / "names.sql").write_text(job.format(options=options))
    data = root / "products.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    project = Project(root)
    return project, project.job(root / "sql" / "jobs" / "names.sql"), {"products": data}


def replay(tmp_path, records, options="", job=JOB):
    project, job, inputs = project_with(tmp_path, records, options, job)
    result = DuckDBEngine(project, use_cache=False).replay(job, inputs, tmp_path / "out")
    return pd.read_parquet(result.sinks["names"]).sort_values("id").to_dict("records")


def test_the_table_as_its_changes_leave_it(tmp_path):
    a, b = {"id": 1, "name": "tea", "weight": 1.0}, {"id": 2, "name": "cake", "weight": 2.0}
    rows = replay(tmp_path, [change("r", after=a), change("c", after=b),
                             change("u", a, {**a, "weight": 1.5}), change("d", before=b),
                             change("c", after={**b, "name": "pie"})])
    assert rows == [{"id": 1, "name": "tea", "weight": 1.5}, {"id": 2, "name": "pie", "weight": 2.0}]


@pytest.mark.parametrize("record, says", [
    (change("u", None, {"id": 1, "name": "tea", "weight": 1.0}), "REPLICA IDENTITY FULL"),
    ({"id": 1, "name": "tea", "weight": 1.0}, "no op"),  # a plain row, not a change
    (change("x", after={"id": 1, "name": "tea", "weight": 1.0}), "unknown op 'x'"),
])
def test_records_flink_refuses_are_errors_naming_the_record(tmp_path, record, says):
    first = change("c", after={"id": 9, "name": "cake", "weight": 2.0})
    with pytest.raises(EngineError, match=f"record 2: .*{says}"):
        replay(tmp_path, [first, record])
    # 'debezium-json.ignore-parse-errors' skips them, as Flink does
    assert replay(tmp_path / "ignoring", [first, record], ", 'debezium-json.ignore-parse-errors' = 'true'") \
        == [{"id": 9, "name": "cake", "weight": 2.0}]


@pytest.mark.flink
def test_flink_refuses_an_update_without_its_before_row(flink_engine, tmp_path):
    project, job, inputs = project_with(tmp_path, [change("u", None, {"id": 1, "name": "tea", "weight": 1.0})])
    with pytest.raises(EngineError, match="before"):
        flink_engine.replay(job, inputs, tmp_path / "out")


UPSERT_JOB = JOB.replace("'kafka'", "'upsert-kafka'").replace("'format' = 'debezium-json'",
                                                               "'key.format' = 'json', 'value.format' = 'json'")


def upsert(key, value=None):
    return {"key": {"id": key}, "value": value}


def test_upsert_records_upsert_and_tombstones_delete(tmp_path):
    """A value replaces its key's row; a tombstone deletes it, even one for a key never seen does nothing;
    a key deleted and written again is back."""
    tea, cake = {"id": 1, "name": "tea", "weight": 1.0}, {"id": 2, "name": "cake", "weight": 2.0}
    rows = replay(tmp_path, [upsert(1, tea), upsert(2, cake), upsert(7), upsert(1, {**tea, "weight": 1.5}),
                             upsert(2), upsert(3, {"id": 3, "name": "pie", "weight": 3.0}), upsert(3),
                             upsert(3, {"id": 3, "name": "tart", "weight": 4.0})], job=UPSERT_JOB)
    assert rows == [{"id": 1, "name": "tea", "weight": 1.5}, {"id": 3, "name": "tart", "weight": 4.0}]


def test_upsert_rows_from_parquet_are_upserts(tmp_path):
    """Rows (as a pipeline's upstream job gives them) upsert their keys in file order."""
    project, job, inputs = project_with(tmp_path, [], job=UPSERT_JOB)
    rows = pd.DataFrame({"id": [1, 2, 1], "name": ["tea", "cake", "green tea"], "weight": [1.0, 2.0, 1.1]})
    rows.astype({"id": "int32"}).to_parquet(tmp_path / "rows.parquet")
    result = DuckDBEngine(project, use_cache=False).replay(job, {"products": tmp_path / "rows.parquet"},
                                                           tmp_path / "out")
    assert pd.read_parquet(result.sinks["names"]).sort_values("id").to_dict("records") == \
        [{"id": 1, "name": "green tea", "weight": 1.1}, {"id": 2, "name": "cake", "weight": 2.0}]


def test_upsert_input_of_rows_without_keys_is_an_error(tmp_path):
    """JSON rows are not records: read as records they would all be keyless tombstones, an empty table."""
    from streamscore.errors import ConfigError

    with pytest.raises(ConfigError, match='record 1 has no key: .*"key"'):
        replay(tmp_path, [{"id": 1, "name": "tea", "weight": 1.0}], job=UPSERT_JOB)


@pytest.mark.flink
def test_flink_reads_upsert_records_as_the_changes_they_make(flink_engine, tmp_path):
    project, job, inputs = project_with(tmp_path, [upsert(1, {"id": 1, "name": "tea", "weight": 1.0}), upsert(1),
                                                   upsert(2, {"id": 2, "name": "cake", "weight": 2.0})],
                                        job=UPSERT_JOB)
    result = flink_engine.replay(job, inputs, tmp_path / "out")
    assert pd.read_parquet(result.sinks["names"]).to_dict("records") == [{"id": 2, "name": "cake", "weight": 2.0}]


# A versioned table: an upsert-kafka table with event time, read FOR SYSTEM_TIME AS OF each order.
VERSIONED_JOB = """
CREATE TABLE products (id INT, name STRING, weight DOUBLE, updated TIMESTAMP(3),
                       WATERMARK FOR updated AS updated, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'products', 'key.format' = 'json', 'value.format' = 'json');
CREATE TABLE picks (pick INT, id INT, picked TIMESTAMP(3), WATERMARK FOR picked AS picked)
WITH ('connector' = 'kafka', 'topic' = 'picks', 'format' = 'json');
CREATE TABLE names (pick INT, id INT, weight DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO names SELECT p.pick, p.id, w.weight FROM picks AS p
LEFT JOIN products FOR SYSTEM_TIME AS OF p.picked AS w ON p.id = w.id;
"""


def versioned_replay(tmp_path, versions, picks, job=VERSIONED_JOB):
    project, job, inputs = project_with(tmp_path, versions, job=job)
    (tmp_path / "picks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in picks))
    result = DuckDBEngine(project, use_cache=False).replay(job, {**inputs, "picks": tmp_path / "picks.jsonl"},
                                                           tmp_path / "out")
    rows = pd.read_parquet(result.sinks["names"]).sort_values("pick")
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def version(key, weight, at):
    return upsert(key, {"id": key, "name": "tea", "weight": weight, "updated": f"2024-01-01 10:00:{at:02d}"})


def pick(number, key, at):
    return {"pick": number, "id": key, "picked": f"2024-01-01 10:00:{at:02d}"}


def test_a_versioned_upsert_table_joins_each_row_with_the_version_of_its_time(tmp_path):
    """Each pick takes its product's latest version at or before its time (none before the first); two keys
    updated at one time (the second at its watermark) and a pick behind its watermark with no version
    between its time and the watermark are decided alike however Flink interleaves the inputs."""
    rows = versioned_replay(tmp_path, [version(1, 1.0, 5), version(2, 2.0, 5), version(1, 1.5, 20)],
                            [pick(1, 1, 4), pick(2, 1, 19), pick(3, 2, 30), pick(4, 1, 20), pick(5, 2, 25)])
    assert rows == [{"pick": 1, "id": 1, "weight": None}, {"pick": 2, "id": 1, "weight": 1.0},
                    {"pick": 3, "id": 2, "weight": 2.0}, {"pick": 4, "id": 1, "weight": 1.5},
                    {"pick": 5, "id": 2, "weight": 2.0}]


def test_a_version_behind_its_watermark_is_refused_as_flink_may_join_without_it(tmp_path):
    with pytest.raises(EngineError, match="TemporalJoin: 1 of its input rows are strictly behind"):
        versioned_replay(tmp_path, [version(1, 1.0, 5), version(2, 2.0, 10), version(1, 1.5, 8)],
                         [pick(1, 1, 9)])


def test_a_pick_behind_its_watermark_with_a_newer_version_of_its_key_is_refused(tmp_path):
    """The version it needs may have been cleaned up when the watermark passed the newer one."""
    with pytest.raises(EngineError, match="TemporalJoin: 1 of its input rows"):
        versioned_replay(tmp_path, [version(1, 1.0, 5), version(1, 1.5, 8)], [pick(1, 1, 30), pick(2, 1, 6)])


def test_a_tombstone_in_a_versioned_table_is_refused(tmp_path):
    from streamscore.errors import ConfigError

    with pytest.raises(ConfigError, match="record 2 deletes a row; deletes in a versioned table are not replayed"):
        versioned_replay(tmp_path, [version(1, 1.0, 5), upsert(1)], [pick(1, 1, 9)])


def test_a_versioned_upsert_table_read_other_than_as_of_is_refused(tmp_path):
    from streamscore.errors import TranslationError

    job = VERSIONED_JOB.replace("LEFT JOIN products FOR SYSTEM_TIME AS OF p.picked AS w", "LEFT JOIN products AS w")
    with pytest.raises(TranslationError, match="changelog with a WATERMARK: the replay reads it as a versioned"):
        versioned_replay(tmp_path, [version(1, 1.0, 5)], [pick(1, 1, 9)], job=job)
