"""A running Flink job picks up a new model version without restarting; each row says which scored it."""

import dataclasses
import json
import threading
import time

import numpy as np
import pytest

from streamscore.engines.flink import FlinkEngine
from streamscore.kafka.client import ensure_topics, produce_jsonl, read_topic
from streamscore.models import Model
from streamscore.models.train import TrainSpec, train

pytestmark = [pytest.mark.flink, pytest.mark.kafka]

FEATURES = ["dep_hour", "day_of_week", "distance", "departures_1h", "temp", "dewp", "humid", "wind_speed",
            "precip", "pressure", "visib"]
JOB = f"""
CREATE TABLE feats (id BIGINT, {', '.join(f + ' DOUBLE' for f in FEATURES)})
  WITH ('connector' = 'kafka', 'topic' = 'reload_feats', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE scored (id BIGINT, score DOUBLE, version STRING)
  WITH ('connector' = 'kafka', 'topic' = 'reload_scored', 'format' = 'json');
CREATE TEMPORARY FUNCTION risk AS 'udfs.reloading.risk' LANGUAGE PYTHON;
INSERT INTO scored SELECT id, r.score, r.version FROM (SELECT id, risk({', '.join(FEATURES)}) AS r FROM feats);
"""
RELOADING_UDF = """
from pathlib import Path
from streamscore.models import model_function
risk = model_function(Path(__file__).parent / "models" / "delay_risk", outputs=("score", "version"), reload_seconds=1)
"""


def _rows(path, ids, rng):
    rows = [{"id": i, **{f: float(v) for f, v in zip(FEATURES, rng.normal(40, 20, len(FEATURES)))}} for i in ids]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def _wait_for(broker, count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = read_topic(broker.bootstrap_servers, "reload_scored")
        if len(records) >= count:
            return records
        time.sleep(0.5)
    raise AssertionError(f"only {len(records)} of {count} scored rows after {timeout}s")


def test_new_model_version_is_picked_up_while_running(project_copy, broker, small_files, tmp_path):
    (project_copy.root / "udfs" / "reloading.py").write_text(RELOADING_UDF)
    (project_copy.root / "sql" / "jobs" / "reload.sql").write_text(JOB)
    job = project_copy.job("sql/jobs/reload.sql")
    profile = dataclasses.replace(project_copy.profile("local"), bootstrap_servers=broker.bootstrap_servers)
    ensure_topics(broker.bootstrap_servers, ["reload_feats", "reload_scored"])
    rng = np.random.default_rng(5)
    _rows(tmp_path / "first.jsonl", range(1, 51), rng)
    second = _rows(tmp_path / "second.jsonl", range(51, 101), rng)

    engine = FlinkEngine(project_copy)
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(
        result=engine.run(job, profile, idle_timeout=8, log=lambda m: None)))
    runner.start()
    try:
        produce_jsonl(broker.bootstrap_servers, "reload_feats", tmp_path / "first.jsonl")
        _wait_for(broker, 50)
        model_path = project_copy.root / "udfs" / "models" / "delay_risk"
        spec = TrainSpec(project_copy.root / "sql" / "train" / "delay_risk.sql", "is_late", "sched_dep_time",
                         "2013-11-03", model_path, rounds=6, version="2")
        train(project_copy, project_copy.root / "sql" / "jobs" / "flight_delays.sql", small_files, spec,
              log=lambda m: None)
        time.sleep(2)  # longer than the function's reload interval
        produce_jsonl(broker.bootstrap_servers, "reload_feats", tmp_path / "second.jsonl")
        records = _wait_for(broker, 100)
    finally:
        runner.join(120)
        engine.close()
    assert outcome["result"].status == "CANCELED"  # by the idle timeout: the job ran until then
    by_id = {r["id"]: r for r in records}
    assert len(records) == len(by_id) == 100  # nothing lost or scored twice
    assert {by_id[i]["version"] for i in range(1, 51)} == {"1"}
    assert {by_id[i]["version"] for i in range(51, 101)} == {"2"}
    v2 = Model(model_path)
    expected = v2.score([np.array([r[f] for r in second]) for f in FEATURES])
    assert np.abs(np.array([by_id[r["id"]]["score"] for r in second]) - expected).max() <= 1e-12
