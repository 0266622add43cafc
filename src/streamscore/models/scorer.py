"""The one scorer: a LightGBM booster plus the metadata written when it was trained.

Flink (pandas UDF) and DuckDB (Arrow UDF) both hand columns to :meth:`Model.score`, so a flight gets
the same number in both engines. NULL features arrive as NaN, which LightGBM treats as missing.
"""

from __future__ import annotations

import json
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

    @property
    def feature_names(self) -> list[str]:
        return [f["name"] for f in self.features]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> "ModelMetadata":
        return cls(**json.loads(path.read_text()))


class Model:
    """A loaded model. Load once per worker (Flink ``open()``, one DuckDB connection)."""

    def __init__(self, path: Path | str, compile: bool = True):
        self.path = Path(path)
        model_file, meta_file = self.path.with_suffix(".txt"), self.path.with_suffix(".json")
        for needed in (model_file, meta_file):
            if not needed.exists():
                raise ModelError(f"model file {needed} is missing: train it with `streamscore train` "
                                 "(the demo does: `make demo`)")
        import lightgbm

        try:
            self.booster = lightgbm.Booster(model_file=str(model_file))
        except lightgbm.basic.LightGBMError as error:
            raise ModelError(f"{model_file} does not load as a LightGBM model: {error}") from None
        self.metadata = ModelMetadata.read(meta_file)
        if self.booster.feature_name() != self.metadata.feature_names:
            raise ModelError(f"{model_file}: the model's features {self.booster.feature_name()} differ from "
                             f"{meta_file.name}'s {self.metadata.feature_names}: retrain to rewrite both")
        self.compiled = compile_model(model_file) if compile and compiled_path_enabled() else None
        # One thread: the engines already run scorers in parallel (Flink tasks, DuckDB threads).
        self._predict = self.compiled or (lambda matrix: self.booster.predict(matrix, num_threads=1))

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


class _ModelFunction:
    """Holds a model path and loads the model on first use (per process)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._model: Model | None = None

    def __getstate__(self):
        # Flink pickles the UDF to ship it to workers: ship the path, let each worker load the model.
        return {"path": self.path, "_model": None}

    @property
    def model(self) -> Model:
        if self._model is None:
            self._model = Model(self.path)
        return self._model


def model_function(path: Path | str):
    """A SQL model function for ``CREATE TEMPORARY FUNCTION f AS 'udfs.x.f' LANGUAGE PYTHON``.

    Returns a PyFlink vectorized (pandas) UDF that loads the model once per worker in ``open()``.
    DuckDB finds the same model through :func:`model_of`.
    """
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import ScalarFunction, udf

    ref = _ModelFunction(path)

    class ModelScalarFunction(ScalarFunction):
        def open(self, function_context):
            self.model = ref.model

        def eval(self, *columns):
            # Literal arguments arrive as scalars (DECIMAL literals as Decimal): broadcast them.
            rows = max((len(c) for c in columns if isinstance(c, pd.Series)), default=1)
            arrays = [c.astype("float64").to_numpy() if isinstance(c, pd.Series)
                      else np.full(rows, np.nan if c is None else float(c)) for c in columns]
            return pd.Series(self.model.score(arrays))

    wrapper = udf(ModelScalarFunction(), result_type=DataTypes.DOUBLE(), func_type="pandas")
    wrapper.streamscore_model = ref
    return wrapper


def model_of(function_object) -> Model:
    """The model behind a function object made by :func:`model_function`."""
    ref = getattr(function_object, "streamscore_model", None)
    if ref is None:
        raise ModelError(f"{function_object!r} is not a streamscore model function "
                         "(make it with streamscore.models.model_function)")
    return ref.model
