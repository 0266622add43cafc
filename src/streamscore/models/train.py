"""`streamscore train`: a LightGBM model from a feature query run on DuckDB.

The query runs in a DuckDB session holding the job's tables and views (the same SQL the stream
runs), so training input and live features cannot drift apart. Split by time, early stopping on the
validation part, metrics and metadata written beside the model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import sqlglot

from streamscore import monitoring
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError, ModelError
from streamscore.models.scorer import Model, ModelMetadata, model_files
from streamscore.sql.dialect import Flink
from streamscore.sql.statements import Statement
from streamscore.sql.translate import Translator

DEFAULT_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "seed": 13,
    "deterministic": True,
    "num_threads": 2,
    "verbose": -1,
}

_SQL_TYPES = {pa.float64(): "DOUBLE", pa.float32(): "FLOAT", pa.int64(): "BIGINT", pa.int32(): "INT"}


@dataclass
class TrainSpec:
    query_file: Path
    label: str
    time_column: str
    valid_from: str
    output: Path
    rounds: int = 400
    version: str = "1"


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by ranks (ties share their average rank): STREAMSCORE_AUC's computation."""
    value = monitoring.auc(labels == 1, scores)
    if value is None:
        raise ModelError("AUC needs both classes in the validation data")
    return value


def _progress(rounds: int):
    """A LightGBM callback drawing a progress bar of boosting rounds on stderr (a terminal only)."""
    from streamscore.kafka.client import print_progress

    show = print_progress("train: boosting rounds", rounds) if sys.stderr.isatty() else None

    def callback(env) -> None:
        if show and (env.iteration + 1) % 10 == 0:
            show(env.iteration + 1)
    return callback


def log_loss(labels: np.ndarray, scores: np.ndarray) -> float:
    p = np.clip(scores, 1e-15, 1 - 1e-15)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


@dataclass
class FeatureRows:
    """The training query's rows: features (in the query's order), label and time."""
    names: list[str]
    types: list[str]
    x: np.ndarray
    y: np.ndarray
    times: np.ndarray


def feature_rows(project, job_path: Path, inputs: dict[str, Path], query_file: Path, label: str, time_column: str,
                 log=print) -> FeatureRows:
    """Run the training query (the job's own feature views) on DuckDB over ``inputs``."""
    job = project.job(job_path)
    query_text = query_file.read_text()
    tree = sqlglot.parse_one(query_text, read=Flink)
    stmt = Statement(query_file, 1, 1, query_text, tree)
    con = DuckDBEngine(project).connect(job, inputs, models=False)
    log(f"train: running {query_file.name} on DuckDB over {', '.join(str(p) for p in inputs.values())}")
    # Ordered: LightGBM's bagging depends on row order, and the model file must be reproducible.
    table = con.sql(f"SELECT * FROM ({Translator(job).query(tree, stmt).sql('duckdb')}) ORDER BY ALL").to_arrow_table()
    for needed in (label, time_column):
        if needed not in table.column_names:
            raise ConfigError(f"{query_file}: the query has no column {needed!r} (columns: {', '.join(table.column_names)})")
    features = [c for c in table.column_names if c not in (label, time_column)]
    for name in features:
        if table.schema.field(name).type not in _SQL_TYPES:
            raise ModelError(f"{query_file}: feature {name} is {table.schema.field(name).type}; "
                             "cast features to DOUBLE or BIGINT in the query")
    x = np.column_stack([table.column(f).to_numpy(zero_copy_only=False).astype(np.float64) for f in features])
    y = table.column(label).to_numpy(zero_copy_only=False).astype(np.float64)
    times = table.column(time_column).to_numpy(zero_copy_only=False)
    return FeatureRows(features, [_SQL_TYPES[table.schema.field(f).type] for f in features], x, y, times)


def train(project, job_path: Path, inputs: dict[str, Path], spec: TrainSpec, log=print) -> ModelMetadata:
    import lightgbm

    rows = feature_rows(project, job_path, inputs, spec.query_file, spec.label, spec.time_column, log)
    features, x, y = rows.names, rows.x, rows.y
    query_text = spec.query_file.read_text()
    is_valid = rows.times >= np.datetime64(spec.valid_from)
    if is_valid.all() or not is_valid.any():
        raise ConfigError(f"--valid-from {spec.valid_from} leaves no training or no validation rows")
    log(f"train: {int((~is_valid).sum()):,} training rows, {int(is_valid.sum()):,} validation rows, "
        f"{len(features)} features")
    train_set = lightgbm.Dataset(x[~is_valid], y[~is_valid], feature_name=features, free_raw_data=False)
    valid_set = lightgbm.Dataset(x[is_valid], y[is_valid], reference=train_set)
    booster = lightgbm.train(DEFAULT_PARAMS, train_set, num_boost_round=spec.rounds, valid_sets=[valid_set],
                             callbacks=[lightgbm.early_stopping(30, verbose=False), _progress(spec.rounds)])
    if sys.stderr.isatty():
        print(file=sys.stderr)  # early stopping leaves the progress line open
    scores = booster.predict(x[is_valid], num_iteration=booster.best_iteration, num_threads=1)
    metrics = {
        "valid_auc": round(auc(y[is_valid], scores), 6),
        "valid_log_loss": round(log_loss(y[is_valid], scores), 6),
        "valid_positive_rate": round(float(y[is_valid].mean()), 6),
        "best_iteration": int(booster.best_iteration),
        "train_rows": int((~is_valid).sum()),
        "valid_rows": int(is_valid.sum()),
    }
    fingerprint = hashlib.sha256()
    for column in (x, y):
        fingerprint.update(np.ascontiguousarray(column).tobytes())
    metadata = ModelMetadata(
        name=spec.output.name,
        features=[{"name": f, "type": t} for f, t in zip(features, rows.types)],
        label=spec.label,
        version=spec.version,
        query=query_text.strip(),
        data_fingerprint=fingerprint.hexdigest(),
        metrics=metrics,
        params={**DEFAULT_PARAMS, "valid_from": spec.valid_from},
        # the training rows' distributions, for STREAMSCORE_PSI (drift) while the model serves
        drift=monitoring.model_drift(features, x[~is_valid], booster.predict(
            x[~is_valid], num_iteration=booster.best_iteration, num_threads=1)),
    )
    publish(booster, metadata, spec.output)
    log(f"train: validation AUC {metrics['valid_auc']:.4f}, log loss {metrics['valid_log_loss']:.4f} "
        f"({metrics['best_iteration']} trees) -> {spec.output.with_suffix('.txt')}")
    return metadata


@dataclass
class RefitSpec:
    query_file: Path
    label: str
    time_column: str
    model: Path  # the live model (champion); a better candidate becomes its next version
    days: int = 60  # train on this many days before the evaluation window
    eval_days: int = 7  # the latest days of the data: both models are scored on them
    challenger: Path | None = None  # write the candidate here (a shadow model), never promote it
    until: str | None = None  # history ends here (default: the inputs' last day)


def refit(project, job_path: Path, inputs: dict[str, Path], spec: RefitSpec, log=print) -> dict:
    """Retrain on recent history and promote only if better: a candidate is trained on the ``days`` days
    before the latest ``eval_days`` (the job's own feature views over the replayed inputs, as `train`), then
    candidate and champion score the same rows of the evaluation window. The candidate goes live as the
    next version (running jobs reload it) only when its AUC there is higher; the report says why."""
    import lightgbm

    champion = Model(spec.model, compile=False)
    rows = feature_rows(project, job_path, inputs, spec.query_file, spec.label, spec.time_column, log)
    if rows.names != champion.metadata.feature_names:
        raise ModelError(f"{spec.query_file} gives features {rows.names}, the live model takes "
                         f"{champion.metadata.feature_names}: refit with the query the model was trained on")
    end = np.datetime64(spec.until, "D") if spec.until else \
        rows.times.max().astype("datetime64[D]") + np.timedelta64(1, "D")
    eval_from = end - np.timedelta64(spec.eval_days, "D")
    train_from = eval_from - np.timedelta64(spec.days, "D")
    training = (rows.times >= train_from) & (rows.times < eval_from)
    evaluation = (rows.times >= eval_from) & (rows.times < end)
    if not training.any() or not evaluation.any():
        raise ConfigError(f"the inputs have no rows from {train_from} to {eval_from} or after: refit needs "
                          f"{spec.days} days of history before the last {spec.eval_days}")
    rounds = int(champion.metadata.metrics.get("best_iteration") or 200)  # the champion's size
    log(f"refit: training on {int(training.sum()):,} rows from {train_from} to {eval_from} ({rounds} trees), "
        f"evaluating on {int(evaluation.sum()):,} rows from {eval_from}")
    train_set = lightgbm.Dataset(rows.x[training], rows.y[training], feature_name=rows.names)
    booster = lightgbm.train(DEFAULT_PARAMS, train_set, num_boost_round=rounds)
    y = rows.y[evaluation]
    candidate_scores = booster.predict(rows.x[evaluation], num_threads=1)
    champion_scores = champion.score_matrix(rows.x[evaluation])
    report = {
        "evaluated_from": str(eval_from), "evaluated_rows": int(evaluation.sum()),
        "trained_from": str(train_from), "trained_rows": int(training.sum()),
        "champion": {"version": champion.metadata.version, "auc": round(auc(y, champion_scores), 6),
                     "log_loss": round(log_loss(y, champion_scores), 6)},
        "candidate": {"auc": round(auc(y, candidate_scores), 6), "log_loss": round(log_loss(y, candidate_scores), 6)},
    }
    report["promoted"] = spec.challenger is None and report["candidate"]["auc"] > report["champion"]["auc"]
    if report["promoted"] or spec.challenger is not None:
        target = spec.challenger or spec.model
        version = _next_version(target)  # past every archived version: none is overwritten
        if spec.challenger and _same_model(booster, spec.challenger):
            version = str(int(version) - 1)  # the challenger in place already is this model: no new version
        metadata = ModelMetadata(
            name=target.name, features=champion.metadata.features, label=spec.label, version=version,
            query=spec.query_file.read_text().strip(), metrics={
                "eval_auc": report["candidate"]["auc"], "eval_log_loss": report["candidate"]["log_loss"],
                "best_iteration": rounds, "train_rows": report["trained_rows"]},
            params={**DEFAULT_PARAMS, "trained_from": str(train_from), "trained_to": str(eval_from)},
            drift=monitoring.model_drift(rows.names, rows.x[training], booster.predict(rows.x[training],
                                                                                        num_threads=1)))
        publish(booster, metadata, target)
        report["candidate"]["version"] = version
    verdict = (f"promoted as version {version}" if report["promoted"] else
               f"written as challenger {spec.challenger} version {version}" if spec.challenger else
               f"kept version {champion.metadata.version}")
    log(f"refit: on the last {spec.eval_days} days, champion AUC {report['champion']['auc']:.4f}, candidate "
        f"{report['candidate']['auc']:.4f}: {verdict}")
    return report


def publish(booster, metadata: ModelMetadata, output: Path) -> None:
    """Write ``<output>.txt`` then ``<output>.json`` (each whole, by rename), and keep a copy of both
    under ``<output>.versions/<version>/`` for ``streamscore promote``. The metadata, written last,
    carries the model file's hash: running jobs reload only a matching pair."""
    output.parent.mkdir(parents=True, exist_ok=True)
    model_text = booster.model_to_string(num_iteration=booster.best_iteration)
    metadata.model_sha256 = hashlib.sha256(model_text.encode()).hexdigest()
    archive = output.parent / f"{output.name}.versions" / metadata.version
    archive.mkdir(parents=True, exist_ok=True)
    for folder in (archive, output.parent):
        stem = "model" if folder == archive else output.name
        _write_whole(folder / f"{stem}.txt", model_text)
        scratch = folder / f".{stem}.json.tmp"
        metadata.write(scratch)
        scratch.replace(folder / f"{stem}.json")


def import_model(source: Path, output: Path, data: Path | None = None) -> ModelMetadata:
    """Register a LightGBM model file trained anywhere as ``<output>.txt`` + ``.json`` (features and
    objective from the file, types from the SQL that calls it), as the next version under ``.versions/``.
    ``data``: JSON Lines of the rows it was trained on (a column per feature), for its drift profile."""
    model = Model(source, compile=False)
    metadata = ModelMetadata.describing(model.booster, output.name, model.metadata.model_sha256)
    metadata.version = _next_version(output)
    metadata.query = f"imported from {source}"
    if data is not None:
        import pandas as pd

        rows = pd.read_json(data, lines=True)
        missing = [f for f in metadata.feature_names if f not in rows.columns]
        if missing:
            raise ModelError(f"{data} has no column for the model's features {', '.join(missing)}")
        matrix = rows[metadata.feature_names].to_numpy(dtype=np.float64)
        metadata.drift = monitoring.model_drift(metadata.feature_names, matrix, model.score_matrix(matrix))
    publish(model.booster, metadata, output)
    return metadata


def _same_model(booster, output: Path) -> bool:
    _, _, meta_file = model_files(output)
    text = booster.model_to_string(num_iteration=booster.best_iteration)
    return meta_file.exists() and ModelMetadata.read(meta_file).model_sha256 == hashlib.sha256(text.encode()).hexdigest()


def _next_version(output: Path) -> str:
    archive = output.parent / f"{output.name}.versions"
    return str(max((int(p.name) for p in archive.glob("*") if p.is_dir() and p.name.isdigit()), default=0) + 1)


def promote_challenger(output: Path, challenger: Path) -> ModelMetadata:
    """The challenger's model goes live as the next version of ``output`` (running jobs reload it)."""
    model = Model(challenger, compile=False)
    if model.metadata.feature_names != Model(output, compile=False).metadata.feature_names:
        raise ModelError(f"{challenger} takes other features than {output}: it cannot replace it")
    metadata = dataclasses.replace(model.metadata, name=output.name, version=_next_version(output),
                                   query=model.metadata.query or f"promoted from {challenger}")
    publish(model.booster, metadata, output)
    return metadata


def promote(output: Path, version: str) -> ModelMetadata:
    """Make an archived version the live model at ``output`` (running jobs pick it up)."""
    archive = output.parent / f"{output.name}.versions" / version
    if not (archive / "model.json").exists():
        versions = sorted(p.name for p in (output.parent / f"{output.name}.versions").glob("*") if p.is_dir())
        raise ModelError(f"no version {version!r} of {output.name} (versions: {', '.join(versions) or 'none'})")
    metadata = ModelMetadata.read(archive / "model.json")
    _write_whole(output.with_suffix(".txt"), (archive / "model.txt").read_text())
    scratch = output.parent / f".{output.name}.json.tmp"
    metadata.write(scratch)
    scratch.replace(output.with_suffix(".json"))
    return metadata


def _write_whole(path: Path, text: str) -> None:
    scratch = path.parent / f".{path.name}.tmp"
    scratch.write_text(text)
    scratch.replace(path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `streamscore train`")
