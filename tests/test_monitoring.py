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
    alerts = pd.read_parquet(replay.sinks["model_alerts"])
    assert len(quality) == 2 and set(alerts["metric"]) <= {"auc", "score_psi", "challenger_auc"}
    assert set(alerts[alerts["metric"] == "challenger_auc"]["day_start"]) == set(
        quality[quality["challenger_auc"] > quality["auc"]]["day_start"])  # the days the challenger ranked better

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
        shadow = day["challenger_risk"].to_numpy()  # the challenger, on the same flights
        assert math.isclose(row.challenger_auc, _pairwise_auc(shadow[late], shadow[~late]), abs_tol=1e-12)
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


def test_refit_promotes_only_a_better_model(project_copy, tmp_path):
    """The online-learning loop once: retrain on recent history, compare with the live model on the
    latest week (the same rows), promote only if better."""
    import hashlib

    from streamscore.datasets import flights, split_by_time, weather, write_jsonl
    from streamscore.models import Model
    from streamscore.models.train import RefitSpec, feature_rows, refit

    inputs = {"flights": tmp_path / "flights.jsonl", "weather": tmp_path / "weather.jsonl"}
    write_jsonl(split_by_time(flights(), "sched_dep_time", "2013-10-20", "2013-12-01"), inputs["flights"])
    write_jsonl(split_by_time(weather(), "obs_time", "2013-10-19", "2013-12-01"), inputs["weather"])
    root = project_copy.root
    live = root / "udfs" / "models" / "delay_risk"
    before = hashlib.sha256(live.with_suffix(".txt").read_bytes()).hexdigest()
    query = root / "sql" / "train" / "delay_risk.sql"
    spec = RefitSpec(query, "is_late", "sched_dep_time", live, days=30, eval_days=7)
    report = refit(project_copy, root / "sql" / "jobs" / "flight_delays.sql", inputs, spec, log=lambda m: None)

    assert report["evaluated_from"] == "2013-11-24" and report["trained_from"] == "2013-10-25"
    # the champion's figure, recomputed from its own scores of the same rows
    rows = feature_rows(project_copy, root / "sql" / "jobs" / "flight_delays.sql", inputs, query, "is_late",
                        "sched_dep_time", log=lambda m: None)
    latest = rows.times >= np.datetime64("2013-11-24")
    champion = Model(live, compile=False) if not report["promoted"] else None
    if report["promoted"]:
        assert Model(live, compile=False).metadata.version == "2" and (live.parent / "delay_risk.versions" / "2").is_dir()
        assert report["candidate"]["auc"] > report["champion"]["auc"]
        champion = Model(live.parent / "delay_risk.versions" / "1" / "model", compile=False)
    else:
        assert hashlib.sha256(live.with_suffix(".txt").read_bytes()).hexdigest() == before  # live model untouched
        assert report["candidate"]["auc"] <= report["champion"]["auc"]
    scores = champion.booster.predict(rows.x[latest])
    assert report["evaluated_rows"] == int(latest.sum())
    assert math.isclose(report["champion"]["auc"], monitoring.auc(rows.y[latest] == 1, scores), abs_tol=1e-6)


def test_report_plots_the_monitoring_sink(project, tmp_path):
    from streamscore.report import build_report

    job = project.job("sql/jobs/model_monitoring.sql")
    report = build_report(project, job, FILES, tmp_path / "monitoring.html", log=lambda m: None)
    text = report.path.read_text()
    assert "Monitoring: model_quality (2 windows)" in report.sections
    for title in ("AUC per window (live model and challenger, same rows)",
                  "Calibration per window: observed rate against mean predicted score",
                  "Error per window: Brier score and log loss", "Drift per window"):
        assert title in text
    assert "challenger ahead on <b>" in text and "score_psi" in text and "temp_psi" in text


def test_a_challenger_scores_in_shadow_until_promoted(project_copy, tmp_path, capsys):
    """refit --challenger writes a model of its own and leaves the live one alone; promote --challenger
    makes it the live model's next version."""
    from streamscore.cli import main
    from streamscore.datasets import flights, split_by_time, weather, write_jsonl
    from streamscore.models import Model

    write_jsonl(split_by_time(flights(), "sched_dep_time", "2013-10-20", "2013-12-01"), tmp_path / "f.jsonl")
    write_jsonl(split_by_time(weather(), "obs_time", "2013-10-19", "2013-12-01"), tmp_path / "w.jsonl")
    root = project_copy.root
    live, challenger = root / "udfs" / "models" / "delay_risk", root / "udfs" / "models" / "candidate"
    before = live.with_suffix(".txt").read_text()
    args = ["--project", str(root), "refit", "sql/train/delay_risk.sql", "--job", "sql/jobs/flight_delays.sql",
            "--input", f"flights={tmp_path / 'f.jsonl'}", "--input", f"weather={tmp_path / 'w.jsonl'}",
            "--model", str(live), "--label", "is_late", "--time-column", "sched_dep_time", "--days", "20",
            "--eval-days", "5", "--challenger", str(challenger)]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert not report["promoted"] and live.with_suffix(".txt").read_text() == before
    assert Model(challenger, compile=False).metadata.version == "1" and report["candidate"]["version"] == "1"
    assert main(args) == 0 and Model(challenger, compile=False).metadata.version == "1"  # the same model again

    assert main(["--project", str(root), "promote", str(live), "--challenger", str(challenger)]) == 0
    promoted = Model(live, compile=False)
    assert promoted.metadata.version == "2" and promoted.metadata.name == "delay_risk"
    assert live.with_suffix(".txt").read_text() == challenger.with_suffix(".txt").read_text()
    assert main(["--project", str(root), "promote", str(live)]) == 2  # --version or --challenger
