"""`streamscore evaluate`: model quality from a replay's sink, per model version (or per score column).

The label is a DuckDB SQL expression over the sink's columns (``arr_delay >= 15``), so labels that
arrive with the data need no extra step. Rows without a label are left out and counted.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from streamscore.errors import ConfigError
from streamscore.models.train import auc, log_loss


def metrics(labels: np.ndarray, scores: np.ndarray) -> dict:
    both_classes = 0 < labels.sum() < len(labels)
    return {
        "rows": int(len(labels)),
        "positive_rate": round(float(labels.mean()), 6) if len(labels) else None,
        "mean_score": round(float(scores.mean()), 6) if len(labels) else None,
        "auc": round(auc(labels, scores), 6) if both_classes else None,
        "log_loss": round(log_loss(labels, scores), 6) if len(labels) else None,
        "rmse": round(float(np.sqrt(np.mean((scores - labels) ** 2))), 6) if len(labels) else None,
    }


def evaluate(sink_file: Path, scores: list[str], label: str, by: str | None = None) -> list[dict]:
    """Metrics per (score column, value of ``by``)."""
    con = duckdb.connect()
    source = f"read_parquet('{sink_file}')"
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    for name in [*scores, *([by] if by else [])]:
        if name not in columns:
            raise ConfigError(f"{sink_file.stem} has no column {name!r} (columns: {', '.join(columns)})")
    results = []
    for score in scores:
        group = f"CAST({by} AS VARCHAR)" if by else "'all'"
        query = (f"SELECT {group} AS grp, CAST({score} AS DOUBLE) AS score, CAST(({label}) AS DOUBLE) AS label "
                 f"FROM {source}")
        try:
            unlabelled = con.execute(f"SELECT count(*) FROM ({query}) WHERE label IS NULL OR score IS NULL") \
                .fetchone()[0]
            rows = con.execute(f"SELECT * FROM ({query}) WHERE label IS NOT NULL AND score IS NOT NULL "
                               "ORDER BY ALL").fetchnumpy()
        except duckdb.Error as error:
            raise ConfigError(f"--label {label!r}: {str(error).splitlines()[0]}") from None
        groups = np.asarray(rows["grp"], dtype=object)
        for value in sorted(set(groups.tolist()), key=str):
            chosen = groups == value
            results.append({"score": score, (by or "group"): value, "unlabelled_rows": int(unlabelled),
                            **metrics(np.asarray(rows["label"])[chosen], np.asarray(rows["score"])[chosen])})
    con.close()
    return results
