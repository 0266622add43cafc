"""Model monitoring (sql/jobs/model_monitoring.sql): scores joined with the outcomes that arrive later,
daily quality and drift through STREAMSCORE_AUC / STREAMSCORE_PSI, alerts. The sinks Flink computes from
Kafka equal the DuckDB replay over the same files; the aggregates' values are checked against independent
computations."""

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from streamscore import monitoring
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.kafka.client import ensure_topics, produce_jsonl, read_topic
from streamscore.replay import compare_tables, format_diff, like

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "tests" / "replay" / "monitoring" / "inputs"  # two days of the demo model's scores and arrivals
FILES = {"flight_score_events": INPUTS / "scores.jsonl", "flight_arrivals": INPUTS / "arrivals.jsonl"}


@pytest.mark.kafka
def test_monitoring_from_kafka_equals_the_replay(project, flink_engine, broker, tmp_path):
    job = project.job("sql/jobs/model_monitoring.sql")
    topics = {"flight_score_events": "mon_scores", "flight_arrivals": "mon_arrivals", "model_quality": "mon_quality",
              "model_alerts": "mon_alerts"}
    profile = dataclasses.replace(project.profile("local"), bootstrap_servers=broker.bootstrap_servers,
                                  tables={t: {"topic": topic} for t, topic in topics.items()})
    ensure_topics(broker.bootstrap_servers, list(topics.values()))
    for table, path in FILES.items():
        produce_jsonl(broker.bootstrap_servers, topics[table], path)

    result = flink_engine.run(job, profile, bounded=True, log=lambda m: None)
    assert result.status == "FINISHED"
    replay = DuckDBEngine(project).replay(job, FILES, tmp_path)
    for sink in ("model_quality", "model_alerts"):
        expected = pd.read_parquet(replay.sinks[sink])
        got = like(read_topic(broker.bootstrap_servers, topics[sink]), expected)
        diff = compare_tables(sink, expected, got, 1e-9)
        assert diff.equal, format_diff(diff, "duckdb", "flink")
    quality = pd.read_parquet(replay.sinks["model_quality"]).sort_values("day_start").reset_index(drop=True)
    assert len(quality) == 2 and set(pd.read_parquet(replay.sinks["model_alerts"])["metric"]) == {"auc", "score_psi"}

    # the numbers themselves, computed here without SQL
    scores = pd.read_json(FILES["flight_score_events"], lines=True)
    arrivals = pd.read_json(FILES["flight_arrivals"], lines=True)
    labelled = scores.merge(arrivals, on="flight_id")
    labelled = labelled[(labelled["arrived_at"] >= labelled["sched_dep_time"])
                        & (labelled["arrived_at"] <= labelled["sched_dep_time"] + pd.Timedelta(days=1))]
    drift = json.loads((ROOT / "udfs" / "models" / "delay_risk.json").read_text())["drift"]
    for row, (_, day) in zip(quality.itertuples(), labelled.groupby(labelled["sched_dep_time"].dt.floor("D"))):
        late = (day["arr_delay"] >= 15).to_numpy()
        score = day["delay_risk"].to_numpy()
        assert row.flights == len(day)
        assert math.isclose(row.late_rate, late.mean(), abs_tol=1e-12)
        assert math.isclose(row.brier, np.mean((score - late) ** 2), abs_tol=1e-12)
        assert math.isclose(row.auc, _pairwise_auc(score[late], score[~late]), abs_tol=1e-12)
        edges, expected = drift["(score)"]["edges"], drift["(score)"]["expected"]
        counts = np.bincount(np.searchsorted(edges, score, side="right"), minlength=len(expected))
        actual = np.maximum(counts / len(score), 1e-4)
        wanted = np.maximum(expected, 1e-4)
        assert math.isclose(row.score_psi, float(np.sum((actual - wanted) * np.log(actual / wanted))), abs_tol=1e-9)


def _pairwise_auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """AUC by its definition: over every (positive, negative) pair, 1 when the positive scores higher."""
    above = (positives[:, None] > negatives[None, :]).sum()
    ties = (positives[:, None] == negatives[None, :]).sum()
    return (above + 0.5 * ties) / (len(positives) * len(negatives))


def test_auc_and_psi_edge_cases():
    assert monitoring.auc([True, False], [0.5, 0.5]) == 0.5  # a tie is half a win
    assert monitoring.auc([True, True], [0.1, 0.2]) is None  # no negative: no AUC
    assert monitoring.auc_of_pairs([{"s": 0.9, "l": True}, {"s": None, "l": False}, {"s": 0.1, "l": None}]) is None
    assert monitoring.psi([0, 0], [0.5, 0.5]) is None
    assert monitoring.psi([5, 5], [0.5, 0.5]) == 0.0  # the training distribution exactly
    assert monitoring.bin_of([1.0, 2.0], 1.0) == 1 and monitoring.bin_of([1.0, 2.0], None) == 3
    profile = monitoring.drift_profile(np.array([1.0, 2.0, np.nan, 3.0]))
    assert math.isclose(sum(profile["expected"]), 1.0) and profile["expected"][-1] == 0.25
