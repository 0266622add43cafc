"""Model monitoring in SQL: aggregate functions both engines compute alike.

    STREAMSCORE_AUC(score, label)                   ROC AUC of the group (window, segment)
    STREAMSCORE_PSI(value, 'udfs/models/m', 'f')    population stability of feature f (or '(score)')
                                                    against model m's training data

Flink runs the Java aggregates of streamscore's jar (dev.streamscore.monitoring); the DuckDB replay
collects the group's values (``list``) and calls the functions below, which take the same steps in the
same order, so both engines give the same numbers. Log loss, Brier score, label rate and calibration
are plain SQL (AVG, CASE, LN).
"""

from __future__ import annotations

import bisect
import json
import math
from pathlib import Path

import numpy as np

from streamscore.models.scorer import model_files

SCORE = "(score)"  # the drift profile of the model's score, beside its features'
PSI_FLOOR = 1e-4  # an empty bin counts as this fraction (ln(0) is not a number)
DRIFT_QUANTILES = [q / 10 for q in range(1, 10)]  # decile edges
# Flink's names of the Java aggregates, registered in every Flink session.
JAVA_AGGREGATES = {"streamscore_auc": "dev.streamscore.monitoring.Auc",
                   "streamscore_psi": "dev.streamscore.monitoring.Psi"}


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """P(a positive scores above a negative), ties one half: from the positives' average ranks, as
    dev.streamscore.monitoring.Auc computes it (rank sums are exact in doubles, so the order of the sum
    does not matter). None without positives or negatives."""
    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    _, first, counts = np.unique(scores[order], return_index=True, return_counts=True)
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat((2 * first + counts + 1) / 2.0, counts)  # 1-based ranks, averaged over ties
    return float((ranks[labels].sum() - n_pos * (n_pos + 1.0) / 2.0) / (float(n_pos) * n_neg))


def auc_of_pairs(pairs: list[dict] | None) -> float | None:
    """The DuckDB side of STREAMSCORE_AUC: the group's (score, label) structs; NULLs and NaN left out."""
    pairs = [x for x in pairs or [] if x["s"] is not None and x["l"] is not None and not math.isnan(x["s"])]
    return auc([x["l"] for x in pairs], [x["s"] for x in pairs])


def bin_of(edges: list[float], value: float | None) -> int:
    """How many edges are <= value; NULL and NaN: the last bin (len(edges) + 1)."""
    if value is None or math.isnan(value):
        return len(edges) + 1
    return bisect.bisect_right(edges, value)


def psi(counts: list[int], expected: list[float]) -> float | None:
    total = sum(counts)
    if not total:
        return None
    result = 0.0
    for count, wanted in zip(counts, expected):
        actual, wanted = max(count / total, PSI_FLOOR), max(wanted, PSI_FLOOR)
        result += (actual - wanted) * math.log(actual / wanted)
    return result


def drift_profile(values: np.ndarray) -> dict:
    """A feature's training distribution: decile edges (distinct) and the fraction of rows per bin."""
    missing = np.isnan(values)
    present = values[~missing]
    edges = sorted({float(e) for e in np.quantile(present, DRIFT_QUANTILES)}) if len(present) else []
    # bin_of for every row at once: searchsorted(side="right") is bisect_right; NaN goes to the last bin
    bins = np.where(missing, len(edges) + 1, np.searchsorted(edges, values, side="right"))
    counts = np.bincount(bins, minlength=len(edges) + 2)
    return {"edges": edges, "expected": [int(c) / len(values) for c in counts]}


def model_drift(features: list[str], matrix: np.ndarray, scores: np.ndarray) -> dict:
    """Every feature's and the score's training distribution, for the model's metadata."""
    profile = {name: drift_profile(matrix[:, i]) for i, name in enumerate(features)}
    profile[SCORE] = drift_profile(np.asarray(scores, dtype=np.float64))
    return profile


class DriftProfiles:
    """Training distributions read from model metadata (paths relative to the project root)."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[tuple[str, str], dict] = {}

    def bins(self, model: str, feature: str) -> dict:
        key = (model, feature)
        if key not in self._cache:
            _, _, metadata = model_files(Path(model) if Path(model).is_absolute() else self.root / model)
            drift = json.loads(metadata.read_text()).get("drift", {}).get(feature)
            if drift is None:
                raise ValueError(f"STREAMSCORE_PSI: {metadata} has no training distribution of {feature} "
                                 "(models trained by `streamscore train` carry one)")
            self._cache[key] = drift
        return self._cache[key]

    def psi_of_values(self, values: list[float | None] | None, model: str, feature: str) -> float | None:
        """The DuckDB side of STREAMSCORE_PSI: the group's values."""
        drift = self.bins(model, feature)
        counts = [0] * len(drift["expected"])
        for value in values or []:
            counts[bin_of(drift["edges"], value)] += 1
        return psi(counts, drift["expected"])
