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

from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError, ModelError
from streamscore.models.scorer import ModelMetadata
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
    """ROC AUC by ranks (ties share their average rank)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    positives = labels == 1
    n_pos, n_neg = positives.sum(), (~positives).sum()
    if n_pos == 0 or n_neg == 0:
        raise ModelError("AUC needs both classes in the validation data")
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


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
                             callbacks=[lightgbm.early_stopping(30, verbose=False)])
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
    )
    spec.output.parent.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(spec.output.with_suffix(".txt")), num_iteration=booster.best_iteration)
    metadata.write(spec.output.with_suffix(".json"))
    log(f"train: validation AUC {metrics['valid_auc']:.4f}, log loss {metrics['valid_log_loss']:.4f} "
        f"({metrics['best_iteration']} trees) -> {spec.output.with_suffix('.txt')}")
    return metadata


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `streamscore train`")
