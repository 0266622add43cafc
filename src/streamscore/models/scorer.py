"""The one scorer: a LightGBM booster plus the metadata written when it was trained.

Flink (pandas UDF) and DuckDB (Arrow UDF) both hand columns to :meth:`Model.score`, so a flight gets
the same number in both engines. NULL features arrive as NaN, which LightGBM treats as missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from streamscore.errors import ModelError
from streamscore.models.compiled import compile_model
from streamscore.models.compiled import enabled as compiled_path_enabled


@dataclass
class ModelMetadata:
    """What a model expects and how it was made; stored as ``<model>.json`` beside ``<model>.txt``."""

    name: str
    features: list[dict]  # [{"name": ..., "type": "DOUBLE"}] in the order the function takes them
    label: str
    version: str = "1"
    objective: str = "binary"
    output: str = "probability"
    query: str = ""
    data_fingerprint: str = ""
    metrics: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    model_sha256: str = ""  # of the model file this metadata describes
    typed: bool = True  # False for a model file that came without metadata: types come from the SQL
    # per feature and "(score)": the training rows' decile edges and fraction per bin (monitoring.psi)
    drift: dict = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        return [f["name"] for f in self.features]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> "ModelMetadata":
        return cls(**json.loads(path.read_text()))

    @classmethod
    def describing(cls, booster, name: str, model_sha256: str) -> "ModelMetadata":
        """Metadata of a model file that came without any (trained in a notebook, say)."""
        objective = re.search(r"^objective=(\S+)", booster.model_to_string(num_iteration=-1), re.MULTILINE)
        return cls(name=name, features=[{"name": n, "type": "DOUBLE"} for n in booster.feature_name()], label="",
                   version=model_sha256[:12], objective=objective.group(1) if objective else "unknown",
                   model_sha256=model_sha256, typed=False)


def model_files(path: Path | str) -> tuple[Path, Path, Path]:
    """(the model's path without suffix, its LightGBM file, its metadata file) for a path given with or
    without the model file's suffix."""
    path = Path(path)
    if path.suffix == ".txt" or path.is_file():
        base = path.with_suffix("") if path.suffix == ".txt" else path
        return base, path, base.parent / f"{base.name}.json"
    return path, path.parent / f"{path.name}.txt", path.parent / f"{path.name}.json"


class Model:
    """A loaded model. Load once per worker (Flink ``open()``, one DuckDB connection)."""

    def __init__(self, path: Path | str, compile: bool = True):
        self.path, model_file, meta_file = model_files(path)
        if not model_file.exists():
            raise ModelError(f"model file {model_file} does not exist (train one with `streamscore train`, or "
                             "point 'path' at a LightGBM model file saved anywhere)")
        import lightgbm

        try:
            self.booster = lightgbm.Booster(model_file=str(model_file))
        except lightgbm.basic.LightGBMError as error:
            raise ModelError(f"{model_file} does not load as a LightGBM model: {error}") from None
        digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
        # A model trained anywhere needs no metadata: its features are the file's, numbers (DOUBLE).
        self.metadata = ModelMetadata.read(meta_file) if meta_file.exists() else \
            ModelMetadata.describing(self.booster, self.path.name, digest)
        if self.metadata.model_sha256 and self.metadata.model_sha256 != digest:
            raise ModelError(f"{meta_file.name} describes another model file than {model_file.name} "
                             "(a new version being written?)")
        if self.booster.feature_name() != self.metadata.feature_names:
            raise ModelError(f"{model_file}: the model's features {self.booster.feature_name()} differ from "
                             f"{meta_file.name}'s {self.metadata.feature_names}: retrain to rewrite both")
        self.compiled = compile_model(model_file) if compile and compiled_path_enabled() else None
        # One thread: the engines already run scorers in parallel (Flink tasks, DuckDB threads).
        self._predict = self.compiled or (lambda matrix: self.booster.predict(matrix, num_threads=1))

    def contributions(self, matrix: np.ndarray) -> list[str]:
        """Per row, a JSON object of each feature's contribution (log-odds) and the bias (LightGBM's
        pred_contrib), for explanations. Exact and the same in both engines, not fast."""
        names = [*self.metadata.feature_names, "bias"]
        values = self.booster.predict(matrix, pred_contrib=True, num_threads=1)
        return [json.dumps(dict(zip(names, map(float, row)))) for row in values]

    @property
    def arity(self) -> int:
        return len(self.metadata.features)

    def score(self, columns: Sequence[np.ndarray]) -> np.ndarray:
        """Score column-major input (one float64 array per feature, NaN for NULL)."""
        if len(columns) != self.arity:
            raise ModelError(f"model {self.metadata.name} takes {self.arity} features "
                             f"({', '.join(self.metadata.feature_names)}), got {len(columns)}")
        if len(columns[0]) == 0:
            return np.empty(0)
        return self.score_matrix(np.column_stack([np.asarray(c, dtype=np.float64) for c in columns]))

    def score_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """Score a rows x features float64 matrix (NaN for NULL)."""
        if matrix.shape[1] != self.arity:
            raise ModelError(f"model {self.metadata.name} takes {self.arity} features, got {matrix.shape[1]}")
        return self._predict(matrix)


# What a model function can return, in the order asked: name -> (Flink type, DuckDB type).
OUTPUTS = {
    "score": ("DOUBLE", "DOUBLE"),           # the model's prediction (a probability for binary models)
    "label": ("BOOLEAN", "BOOLEAN"),         # score >= threshold
    "version": ("STRING", "VARCHAR"),        # the model version that scored the row
    "contributions": ("STRING", "VARCHAR"),  # JSON: per-feature contributions (log-odds) and the bias
    "error": ("STRING", "VARCHAR"),          # why the row was not scored (then the other outputs are NULL)
}
RELOAD_SECONDS = float(os.environ.get("STREAMSCORE_MODEL_RELOAD_SECONDS", "5"))


class ModelRef:
    """A model path, loaded on first use in each process and reloaded when a new version lands.

    Hot reload: at most every ``reload_seconds`` the metadata file is stat()ed; when it changed, the
    new model is loaded and swapped in if it takes the same features (a model with other features
    would not fit the SQL calling it: it is refused with a message and the old one keeps scoring).
    ``streamscore train`` writes the model file first and its metadata (with the model's hash) last,
    so a half-written pair is never used.
    """

    def __init__(self, path: Path, reload_seconds: float | None = None):
        self.path = Path(path)
        self.reload_seconds = RELOAD_SECONDS if reload_seconds is None else reload_seconds
        self._model: Model | None = None
        self._stamp = None
        self._checked = 0.0

    def __getstate__(self):
        # Flink pickles the UDF to ship it to workers: ship the path, let each worker load the model.
        return {"path": self.path, "reload_seconds": self.reload_seconds, "_model": None, "_stamp": None,
                "_checked": 0.0}

    def _metadata_stamp(self):
        _, model_file, meta_file = model_files(self.path)
        stat = (meta_file if meta_file.exists() else model_file).stat()  # metadata is written last
        return stat.st_mtime_ns, stat.st_size

    @property
    def model(self) -> Model:
        now = time.monotonic()
        if self._model is None:
            self._stamp, self._model, self._checked = self._metadata_stamp(), Model(self.path), now
        elif self.reload_seconds >= 0 and now - self._checked >= self.reload_seconds:
            self._checked = now
            self._maybe_reload()
        return self._model

    def _maybe_reload(self) -> None:
        try:
            stamp = self._metadata_stamp()
            if stamp == self._stamp:
                return
            candidate = Model(self.path)
        except (OSError, ModelError) as error:  # mid-write or broken: keep scoring with the old one
            print(f"streamscore: not reloading {self.path.name}: {error}", file=sys.stderr)
            return
        if candidate.metadata.feature_names != self._model.metadata.feature_names:
            print(f"streamscore: not reloading {self.path.name}: version {candidate.metadata.version} takes "
                  f"other features ({', '.join(candidate.metadata.feature_names)})", file=sys.stderr)
            self._stamp = stamp
            return
        print(f"streamscore: {self.path.name}: version {self._model.metadata.version} -> "
              f"{candidate.metadata.version}", file=sys.stderr)
        self._model, self._stamp = candidate, stamp


def row_errors(model: Model, matrix: np.ndarray) -> list[str | None]:
    """Why each row cannot be scored, or None. NULL (NaN) is a missing value LightGBM handles; an
    infinite feature is a data error the model would silently score as an extreme value."""
    infinite = np.isinf(matrix)
    if not infinite.any():
        return [None] * len(matrix)
    names = model.metadata.feature_names
    return [None if not row.any() else "infinite feature " + ", ".join(n for n, bad in zip(names, row) if bad)
            for row in infinite]


def score_outputs(model: Model, matrix: np.ndarray, outputs: tuple[str, ...], threshold: float) -> dict:
    """Every requested output for each row of ``matrix`` (the same code for both engines).

    Rows that cannot be scored: with an ``error`` output they get the error and NULL elsewhere (route
    them to a dead-letter sink with ``WHERE r.error IS NOT NULL``); without one the call fails, so no
    row ever gets a silent NULL score."""
    errors = row_errors(model, matrix)
    failed = np.array([e is not None for e in errors])
    if failed.any() and "error" not in outputs:
        first = int(np.argmax(failed))
        raise ModelError(f"model {model.metadata.name} cannot score {int(failed.sum())} row(s): {errors[first]} "
                         "(add 'error' to the function's outputs to route such rows to a dead-letter sink)")
    clean = np.where(np.isinf(matrix), np.nan, matrix)
    score = model.score_matrix(clean)
    values: dict = {}
    for name in outputs:
        if name == "score":
            values[name] = score
        elif name == "label":
            values[name] = score >= threshold
        elif name == "version":
            values[name] = [model.metadata.version] * len(score)
        elif name == "contributions":
            values[name] = model.contributions(clean)
        elif name == "error":
            values[name] = errors
    if failed.any():
        for name in outputs:
            if name != "error":
                values[name] = [None if bad else v for v, bad in zip(values[name], failed)]
    return values


def _check_outputs(outputs: tuple[str, ...]) -> None:
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise ModelError(f"model outputs {unknown or outputs} unknown: choose from {', '.join(OUTPUTS)}")


def model_function(path: Path | str, outputs: tuple[str, ...] = ("score",), threshold: float = 0.5,
                   reload_seconds: float | None = None):
    """A SQL model function for ``CREATE TEMPORARY FUNCTION f AS 'udfs.x.f' LANGUAGE PYTHON``.

    Returns a PyFlink vectorized (pandas) UDF that loads the model once per worker (and reloads new
    versions, see :class:`ModelRef`). With one output (the default: the score) it returns that value;
    with several, a ROW of them (``f(...).score``, ``f(...).version``). DuckDB finds the same model and
    outputs through :func:`model_of`.
    """
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import ScalarFunction, udf

    outputs = tuple(outputs)
    _check_outputs(outputs)
    ref = ModelRef(Path(path).resolve(), reload_seconds)
    flink_types = {"DOUBLE": DataTypes.DOUBLE(), "BOOLEAN": DataTypes.BOOLEAN(), "STRING": DataTypes.STRING()}

    class ModelScalarFunction(ScalarFunction):
        def open(self, function_context):
            # Visible in Flink's metrics (web UI, REST; `streamscore run` prints them): rows scored, time
            # spent scoring (features in, outputs out), rows routed to the error output.
            group = function_context.get_metric_group()
            self.scored = group.counter("streamscore_model_rows")
            self.micros = group.counter("streamscore_model_micros")
            self.rejected = group.counter("streamscore_rows_rejected")

        def eval(self, *columns):
            started = time.perf_counter()
            # Literal arguments arrive as scalars (DECIMAL literals as Decimal): broadcast them.
            rows = max((len(c) for c in columns if isinstance(c, pd.Series)), default=1)
            matrix = np.empty((rows, len(columns)))
            for position, c in enumerate(columns):
                matrix[:, position] = c.astype("float64").to_numpy() if isinstance(c, pd.Series) \
                    else (np.nan if c is None else float(c))
            values = score_outputs(ref.model, matrix, outputs, threshold)
            if "error" in values:
                self.rejected.inc(sum(e is not None for e in values["error"]))
            result = pd.Series(values[outputs[0]]) if len(outputs) == 1 else pd.DataFrame(values)
            self.scored.inc(rows)
            self.micros.inc(int((time.perf_counter() - started) * 1e6))
            return result

    if len(outputs) == 1:
        result_type = flink_types[OUTPUTS[outputs[0]][0]]
    else:
        result_type = DataTypes.ROW([DataTypes.FIELD(o, flink_types[OUTPUTS[o][0]]) for o in outputs])
    wrapper = udf(ModelScalarFunction(), result_type=result_type, func_type="pandas")
    wrapper.streamscore_model = ref
    wrapper.streamscore_outputs = outputs
    wrapper.streamscore_threshold = threshold
    return wrapper


# Outputs the JVM model function computes (contributions stay in Python: LightGBM's pred_contrib).
JVM_OUTPUTS = {"score", "label", "version", "error"}


def jvm_spec(name: str, function_object) -> dict | None:
    """What the JVM model function needs to serve ``function_object`` (dev.streamscore.lightgbm.
    ModelFunction), or None when it must stay in Python (an output the JVM does not compute, or
    STREAMSCORE_MODEL_FUNCTIONS=python)."""
    ref, outputs, threshold = function_spec(function_object)
    if os.environ.get("STREAMSCORE_MODEL_FUNCTIONS", "jvm").lower() == "python" or not set(outputs) <= JVM_OUTPUTS:
        return None
    _, model_file, meta_file = model_files(ref.path)
    return {"name": name, "model_file": str(model_file), "metadata_file": str(meta_file), "outputs": list(outputs),
            "threshold": threshold, "reload_seconds": ref.reload_seconds}


def function_spec(function_object) -> tuple[ModelRef, tuple[str, ...], float]:
    """(model reference, outputs, threshold) of a function made by :func:`model_function`."""
    ref = getattr(function_object, "streamscore_model", None)
    if ref is None:
        raise ModelError(f"{function_object!r} is not a streamscore model function "
                         "(make it with streamscore.models.model_function)")
    return ref, function_object.streamscore_outputs, function_object.streamscore_threshold


def model_of(function_object) -> Model:
    """The model behind a function object made by :func:`model_function`."""
    ref = getattr(function_object, "streamscore_model", None)
    if ref is None:
        raise ModelError(f"{function_object!r} is not a streamscore model function "
                         "(make it with streamscore.models.model_function)")
    return ref.model
