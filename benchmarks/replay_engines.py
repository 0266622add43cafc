"""DuckDB replay vs Flink replay of the flights job over the same Nov-Dec files.

    .venv/bin/python benchmarks/replay_engines.py

Prints one JSON object. Flink's time excludes the JVM start (paid once per session) but includes
job submission, as a user's `streamscore replay --engine flink` pays it.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

from streamscore.datasets import write_demo_data
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.engines.flink import FlinkEngine
from streamscore.project import Project


def main() -> None:
    project = Project(Path(__file__).resolve().parent.parent)
    job = project.job("sql/jobs/flight_delays.sql")
    files = write_demo_data(project.root / "data")
    inputs = {"flights": files["flights_live"], "weather": files["weather"]}
    rows = sum(1 for _ in open(inputs["flights"]))
    with tempfile.TemporaryDirectory() as tmp:
        duck = min(DuckDBEngine(project).replay(job, inputs, Path(tmp) / f"d{i}").seconds for i in range(3))
        flink_engine = FlinkEngine(project)
        started = time.perf_counter()
        flink_engine.t_env  # JVM start, reported apart
        jvm = time.perf_counter() - started
        flink = flink_engine.replay(job, inputs, Path(tmp) / "f").seconds
        flink_engine.close()
    print(json.dumps({
        "benchmark": "replay_engines",
        "rows": rows,
        "duckdb_seconds": round(duck, 3),
        "flink_seconds": round(flink, 3),
        "flink_jvm_start_seconds": round(jvm, 3),
        "duckdb_rows_per_second": round(rows / duck),
        "flink_rows_per_second": round(rows / flink),
        "duckdb_speedup_vs_flink": round(flink / duck, 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
