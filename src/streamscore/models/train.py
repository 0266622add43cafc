"""`streamscore train`: a LightGBM model from a feature query run on DuckDB.

The query runs in a DuckDB session holding the job's tables and views (the same SQL the stream
runs), so training input and live features cannot drift apart. Split by time, early stopping on the
validation part, metrics and metadata written beside the model.
"""

from __future__ import annotations

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
from streamscore.models.scorer import Model, ModelMetadata
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


def train(project, job_path: Path, inputs: dict[str, Path], spec: TrainSpec, log=print) -> ModelMetadata:
    import lightgbm

    job = project.job(job_path)
    query_text = spec.query_file.read_text()
    tree = sqlglot.parse_one(query_text, read=Flink)
    stmt = Statement(spec.query_file, 1, 1, query_text, tree)
    con = DuckDBEngine(project).connect(job, inputs, models=False)
    log(f"train: running {spec.query_file.name} on DuckDB over {', '.join(str(p) for p in inputs.values())}")
    # Ordered: LightGBM's bagging depends on row order, and the model file must be reproducible.
    table = con.sql(f"SELECT * FROM ({Translator(job).query(tree, stmt).sql('duckdb')}) ORDER BY ALL").to_arrow_table()
    for needed in (spec.label, spec.time_column):
        if needed not in table.column_names:
            raise ConfigError(f"{spec.query_file}: the query has no column {needed!r} (columns: {', '.join(table.column_names)})")
    features = [c for c in table.column_names if c not in (spec.label, spec.time_column)]
    for name in features:
        if table.schema.field(name).type not in _SQL_TYPES:
            raise ModelError(f"{spec.query_file}: feature {name} is {table.schema.field(name).type}; "
                             "cast features to DOUBLE or BIGINT in the query")
    x = np.column_stack([table.column(f).to_numpy(zero_copy_only=False).astype(np.float64) for f in features])
    y = table.column(spec.label).to_numpy(zero_copy_only=False).astype(np.float64)
    times = table.column(spec.time_column).to_numpy(zero_copy_only=False)
    is_valid = times >= np.datetime64(spec.valid_from)
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
        features=[{"name": f, "type": _SQL_TYPES[table.schema.field(f).type]} for f in features],
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


def import_model(source: Path, output: Path) -> ModelMetadata:
    """Register a LightGBM model file trained anywhere as ``<output>.txt`` + ``.json`` (features and
    objective from the file, types from the SQL that calls it), as the next version under ``.versions/``."""
    model = Model(source, compile=False)
    archive = output.parent / f"{output.name}.versions"
    numbers = [int(p.name) for p in archive.glob("*") if p.is_dir() and p.name.isdigit()]
    metadata = ModelMetadata.describing(model.booster, output.name, model.metadata.model_sha256)
    metadata.version = str(max(numbers, default=0) + 1)
    metadata.query = f"imported from {source}"
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
