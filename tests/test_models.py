"""The one scorer: loads once, checks itself, scores the same in DuckDB as directly; training."""

import pickle

import duckdb
import lightgbm
import numpy as np
import pytest

from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ModelError
from streamscore.models import Model, model_function, model_of
from streamscore.models.scorer import ModelMetadata
from streamscore.models.train import TrainSpec, auc, train
from streamscore.sql.statements import parse_job

FEATURES = ["dep_hour", "day_of_week", "distance", "departures_1h", "temp", "dewp", "humid", "wind_speed",
            "precip", "pressure", "visib"]


@pytest.fixture(scope="module")
def model(project):
    return Model(project.root / "udfs" / "models" / "delay_risk")


def test_model_matches_its_metadata(model):
    assert model.metadata.feature_names == model.booster.feature_name() == FEATURES
    assert model.arity == len(FEATURES)
    assert 0.5 < model.metadata.metrics["valid_auc"] < 1


def test_missing_model_file_says_how_to_make_it(tmp_path):
    with pytest.raises(ModelError, match="streamscore train"):
        Model(tmp_path / "nothing")


def test_metadata_that_disagrees_with_the_model_is_refused(model, tmp_path):
    (tmp_path / "m.txt").write_text(model.path.with_suffix(".txt").read_text())
    meta = ModelMetadata.read(model.path.with_suffix(".json"))
    meta.features = list(reversed(meta.features))
    meta.write(tmp_path / "m.json")
    with pytest.raises(ModelError, match="differ"):
        Model(tmp_path / "m")


def test_wrong_arity_is_an_error_not_a_null(model):
    with pytest.raises(ModelError, match="takes 11 features"):
        model.score([np.zeros(3)] * 4)


def _random_features(rows=5000):
    rng = np.random.default_rng(7)
    columns = [rng.normal(50, 30, rows) for _ in FEATURES]
    columns[4][::7] = np.nan  # temp missing, as when no weather reading exists
    return columns


def test_compiled_scores_equal_booster_predict_with_nulls_as_missing(model):
    assert model.compiled is not None
    columns = _random_features()
    expected = lightgbm.Booster(model_file=str(model.path.with_suffix(".txt"))).predict(np.column_stack(columns))
    assert np.abs(model.score(columns) - expected).max() <= 1e-12
    assert np.array_equal(Model(model.path, compile=False).score(columns), expected)


def test_compiling_falls_back_to_lightgbm_with_a_message(model, monkeypatch, tmp_path, capsys):
    import lleaves

    def refuse(self, *args, **kwargs):
        raise RuntimeError("no LLVM here")

    monkeypatch.setenv("STREAMSCORE_CACHE_DIR", str(tmp_path))  # nothing cached: it must compile
    monkeypatch.setattr(lleaves.Model, "compile", refuse)
    fallback = Model(model.path)
    assert fallback.compiled is None
    assert "scoring delay_risk.txt with LightGBM; compiling it failed: RuntimeError: no LLVM here" in capsys.readouterr().err
    columns = _random_features(100)
    assert np.array_equal(fallback.score(columns), Model(model.path, compile=False).score(columns))


def test_compiled_objects_are_cached_by_model_hash(model, monkeypatch, tmp_path):
    monkeypatch.setenv("STREAMSCORE_CACHE_DIR", str(tmp_path))
    Model(model.path)
    cached = list(tmp_path.glob("*.o"))
    assert len(cached) == 1 and cached[0].stem == __import__("hashlib").sha256(
        model.path.with_suffix(".txt").read_bytes()).hexdigest()
    columns = _random_features(100)
    assert np.array_equal(Model(model.path).score(columns), model.score(columns))


def test_flink_function_ships_the_path_not_the_booster(project):
    function = model_function(project.root / "udfs" / "models" / "delay_risk")
    model_of(function)  # loads in this process
    shipped = pickle.loads(pickle.dumps(function.streamscore_model))
    assert shipped._model is None and shipped.path == function.streamscore_model.path


def test_duckdb_function_equals_direct_scoring(project, flights_job, small_files, model):
    con = DuckDBEngine(project).connect(flights_job, small_files)
    names = ", ".join(FEATURES)
    table = con.sql(f"SELECT {names}, delay_risk({names}) AS risk FROM flight_features").to_arrow_table()
    direct = model.score([table.column(f).to_numpy(zero_copy_only=False).astype(float) for f in FEATURES])
    assert table.num_rows > 1000
    assert table.column("risk").null_count == 0
    assert np.array_equal(table.column("risk").to_numpy(), direct)


def test_duckdb_function_scores_all_null_features(project, flights_job, small_files, model):
    con = DuckDBEngine(project).connect(flights_job, small_files)
    nulls = ", ".join(["CAST(NULL AS DOUBLE)"] * len(FEATURES))
    (value,) = con.sql(f"SELECT delay_risk({nulls})").fetchall()[0]
    assert value == model.score([np.array([np.nan])] * len(FEATURES))[0]


def test_auc_matches_pairwise_definition():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.random(300) + labels * 0.3, 1)  # rounded: many ties
    pos, neg = scores[labels == 1], scores[labels == 0]
    pairwise = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg))
    assert auc(labels, scores) == pytest.approx(pairwise, abs=1e-12)


def test_train_from_the_jobs_feature_view(project, small_files, tmp_path):
    spec = TrainSpec(project.root / "sql" / "train" / "delay_risk.sql", "is_late", "sched_dep_time",
                     "2013-11-03", tmp_path / "risk", rounds=20)
    metadata = train(project, project.root / "sql" / "jobs" / "flight_delays.sql", small_files, spec, log=lambda m: None)
    assert metadata.feature_names == FEATURES
    assert metadata.metrics["train_rows"] + metadata.metrics["valid_rows"] == \
        duckdb.sql(f"SELECT count(*) FROM read_json('{small_files['flights']}') WHERE arr_delay IS NOT NULL").fetchall()[0][0]
    trained = Model(tmp_path / "risk")
    assert trained.metadata.data_fingerprint == metadata.data_fingerprint
    assert 0 < trained.score([np.full(1, 10.0)] * len(FEATURES))[0] < 1


CALL = "delay_risk_served(dep_hour, day_of_week, distance, departures_1h,"
BAD_CALLS = [
    (CALL.replace("dep_hour, day_of_week", "day_of_week, dep_hour"),
     "argument 1 of delay_risk_served() is column `day_of_week` but model delay_risk's feature 1 is `dep_hour`"),
    (CALL.replace("dep_hour, ", ""), "passes 10 arguments but model delay_risk takes 11 features"),
    (CALL.replace("dep_hour", "UPPER(carrier)"), "argument 1 of delay_risk_served() (`UPPER(carrier)`) is"),
]


@pytest.mark.parametrize("call, message", BAD_CALLS)
def test_model_calls_are_checked_before_the_job(project_copy, small_files, tmp_path, call, message):
    from streamscore.engines.flink import FlinkEngine

    job_file = project_copy.root / "sql" / "jobs" / "flight_delays.sql"
    text = job_file.read_text()
    assert CALL in text
    job_file.write_text(text.replace(CALL, call))
    job = project_copy.job(job_file)
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        DuckDBEngine(project_copy).replay(job, small_files, tmp_path)
    assert f"flight_delays.sql:{text[:text.index(CALL)].count(chr(10)) + 1}:" in str(error.value)
    engine = FlinkEngine(project_copy)
    try:
        with pytest.raises(ModelError, match="delay_risk"):  # Flink checks before planning, no JVM needed
            engine._prepare(None, job, bind=None)
    finally:
        engine.close()


FEATURE_DDL = ("dep_hour DOUBLE, day_of_week DOUBLE, distance DOUBLE, departures_1h DOUBLE, temp DOUBLE, "
               "dewp DOUBLE, humid DOUBLE, wind_speed DOUBLE, precip DOUBLE, pressure DOUBLE, visib DOUBLE")
MODEL_JOB = """
CREATE TABLE f (x DOUBLE) WITH ('connector' = 'filesystem', 'path' = 'f.jsonl', 'format' = 'json');
CREATE TABLE results (x DOUBLE, risk DOUBLE) WITH ('connector' = 'blackhole');
CREATE TEMPORARY MODEL m INPUT ({inputs}) OUTPUT (risk DOUBLE) WITH ({options});
INSERT INTO results SELECT x, risk FROM ML_PREDICT(TABLE f, MODEL {model}, DESCRIPTOR({columns}));
"""
GOOD = {"inputs": FEATURE_DDL, "options": "'provider' = 'lightgbm', 'path' = 'udfs/models/delay_risk'",
        "model": "m", "columns": ", ".join(["x"] * 11)}
BAD_MODELS = [
    ({"inputs": FEATURE_DDL.replace("dep_hour", "hour")}, "does not match the model file's features"),
    ({"inputs": FEATURE_DDL.replace("visib DOUBLE", "visib STRING")}, "does not match the model file's features"),
    ({"options": "'provider' = 'openai', 'path' = 'udfs/models/delay_risk'"}, "provider 'openai' cannot run"),
    ({"options": "'provider' = 'lightgbm', 'path' = 'udfs/models/delay_risk', 'version' = '7'"}, "'version' = '7'"),
    ({"options": "'provider' = 'lightgbm', 'path' = 'udfs/models/nothing'"}, "nothing.txt does not exist"),
    ({"model": "other"}, "unknown model `other`"),
    ({"columns": "x, x"}, "passes 2 columns to model m, which takes 11"),
]


def _model_job(tmp_path, **changes):
    (tmp_path / "f.jsonl").write_text('{"x": 1.5}\n{"x": null}\n')
    (tmp_path / "job.sql").write_text(MODEL_JOB.format(**{**GOOD, **changes}))
    return parse_job(tmp_path / "job.sql")


def test_ml_predict_scores_like_the_function(project, tmp_path, model):
    result = DuckDBEngine(project).replay(_model_job(tmp_path), {"f": tmp_path / "f.jsonl"}, tmp_path / "out")
    rows = duckdb.sql(f"SELECT x, risk FROM '{result.sinks['results']}' ORDER BY x NULLS LAST").fetchall()
    assert [r[1] for r in rows] == list(model.score([np.array([1.5, np.nan])] * 11))


@pytest.mark.parametrize("changes, message", BAD_MODELS)
def test_model_declarations_are_checked(project, tmp_path, changes, message):
    with pytest.raises(ModelError, match=message) as error:
        DuckDBEngine(project).replay(_model_job(tmp_path, **changes), {"f": tmp_path / "f.jsonl"}, tmp_path / "out")
    assert str(error.value).startswith(str(tmp_path / "job.sql"))


def _train_version(project, small_files, output, version, rounds, query=None):
    spec = TrainSpec(query or project.root / "sql" / "train" / "delay_risk.sql", "is_late", "sched_dep_time",
                     "2013-11-03", output, rounds=rounds, version=version)
    return train(project, project.root / "sql" / "jobs" / "flight_delays.sql", small_files, spec, log=lambda m: None)


def test_hot_reload_and_promote(project, small_files, tmp_path, capsys):
    from streamscore.models import ModelRef
    from streamscore.models.train import promote

    output = tmp_path / "risk"
    _train_version(project, small_files, output, "1", rounds=5)
    ref = ModelRef(output, reload_seconds=0)
    assert ref.model.metadata.version == "1"
    _train_version(project, small_files, output, "2", rounds=8)
    assert ref.model.metadata.version == "2"
    assert "risk: version 1 -> 2" in capsys.readouterr().err
    promote(output, "1")
    assert ref.model.metadata.version == "1"
    # A half-written pair (new model file, old metadata) is not used: the hashes differ.
    (output.with_suffix(".txt")).write_text((tmp_path / "risk.versions" / "2" / "model.txt").read_text())
    (output.with_suffix(".json")).touch()
    assert ref.model.metadata.version == "1"
    assert "describes another model file" in capsys.readouterr().err
    with pytest.raises(ModelError, match="no version '9'"):
        promote(output, "9")


def test_reload_refuses_a_model_with_other_features(project, small_files, tmp_path, capsys):
    from streamscore.models import ModelRef

    output = tmp_path / "risk"
    _train_version(project, small_files, output, "1", rounds=5)
    ref = ModelRef(output, reload_seconds=0)
    assert ref.model.metadata.version == "1"
    fewer = tmp_path / "fewer.sql"
    fewer.write_text((project.root / "sql" / "train" / "delay_risk.sql").read_text().replace("visib,", ""))
    _train_version(project, small_files, output, "2", rounds=5, query=fewer)
    assert ref.model.metadata.version == "1"
    assert "version 2 takes other features" in capsys.readouterr().err


def test_unscorable_rows_fail_loudly_or_carry_their_error(model):
    from streamscore.models.scorer import score_outputs

    matrix = np.full((3, len(FEATURES)), 20.0)
    matrix[1, 2] = np.inf
    with pytest.raises(ModelError, match="cannot score 1 row.*infinite feature distance.*'error'"):
        score_outputs(model, matrix, ("score",), 0.5)
    values = score_outputs(model, matrix, ("score", "version", "error"), 0.5)
    assert values["error"] == [None, "infinite feature distance", None]
    assert values["score"][1] is None and values["version"][1] is None
    assert values["score"][0] == model.score_matrix(matrix[[0]])[0]
