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
