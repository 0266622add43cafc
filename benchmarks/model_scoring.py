"""Model function speed, as ratios measured in one run (prints one JSON object).

    .venv/bin/python benchmarks/model_scoring.py [--rows N]

- compiled_vs_lightgbm: the compiled scorer (lleaves) vs `booster.predict`, 2048-row batches, one
  thread, on real feature rows; with the largest difference between their outputs.
- duckdb_function_vs_direct: `SELECT delay_risk(...)` in DuckDB vs the same scorer called directly on
  the same rows in 2048-row batches (DuckDB's chunk size) on one thread; for both scorers, with one
  DuckDB thread and with two (DuckDB's default here: one per core).
- flink_function_vs_trivial_udf: the model as a Flink pandas UDF vs a trivial pandas UDF (a sum of the
  same columns), datagen -> UDF -> blackhole, same settings: the Python bridge's own ceiling.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np

from streamscore.datasets import write_demo_data
from streamscore.engines.duckdb import DuckDBEngine, register_model_function
from streamscore.models import Model
from streamscore.project import Project

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "udfs" / "models" / "delay_risk"


def feature_rows(project: Project, rows: int) -> np.ndarray:
    """Real feature rows (the job's feature view over the year's flights), repeated up to ``rows``."""
    files = write_demo_data(project.root / "data")
    job = project.job("sql/jobs/flight_delays.sql")
    con = DuckDBEngine(project).connect(job, {"flights": files["flights_all"], "weather": files["weather"]},
                                        models=False)
    names = Model(MODEL, compile=False).metadata.feature_names
    matrix = con.sql(f"SELECT {', '.join(names)} FROM flight_features").fetchnumpy()
    base = np.column_stack([np.asarray(matrix[n], dtype=np.float64) for n in names])
    return np.resize(base, (rows, base.shape[1]))


def rows_per_second(function, data: np.ndarray, batch: int = 2048) -> float:
    started = time.perf_counter()
    for start in range(0, len(data), batch):
        function(data[start:start + batch])
    return len(data) / (time.perf_counter() - started)


def rows_per_second_columns(score, columns: list[np.ndarray], batch: int = 2048) -> float:
    started = time.perf_counter()
    for start in range(0, len(columns[0]), batch):
        score([c[start:start + batch] for c in columns])
    return len(columns[0]) / (time.perf_counter() - started)


def compiled_vs_lightgbm(data: np.ndarray) -> dict:
    model = Model(MODEL)
    plain = Model(MODEL, compile=False)
    assert model.compiled is not None, "lleaves could not compile the model"
    compiled = rows_per_second(model.compiled, data)
    lightgbm = rows_per_second(lambda m: plain.booster.predict(m, num_threads=1), data)
    difference = float(np.abs(model.compiled(data) - plain.booster.predict(data, num_threads=1)).max())
    return {"compiled_rows_per_second": round(compiled), "lightgbm_rows_per_second": round(lightgbm),
            "ratio": round(compiled / lightgbm, 2), "max_abs_difference": difference}


def duckdb_function_vs_direct(data: np.ndarray, compiled: bool, threads: int) -> dict:
    model = Model(MODEL, compile=compiled)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    names = model.metadata.feature_names
    con.register("features_arrow", {n: data[:, i] for i, n in enumerate(names)})
    con.execute("CREATE TABLE features AS SELECT * FROM features_arrow")
    register_model_function(con, "risk", model, ("score",), 0.5)
    started = time.perf_counter()
    con.execute(f"SELECT sum(risk({', '.join(names)})) FROM features").fetchall()
    in_sql = len(data) / (time.perf_counter() - started)
    columns = [np.ascontiguousarray(data[:, i]) for i in range(len(names))]  # column-major, as DuckDB holds them
    direct = rows_per_second_columns(model.score, columns)
    return {"scorer": "compiled" if compiled else "lightgbm", "duckdb_threads": threads,
            "function_rows_per_second": round(in_sql), "direct_rows_per_second_1_thread": round(direct),
            "ratio": round(in_sql / direct, 3)}


def flink_function_vs_trivial_udf(rows: int) -> dict:
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import udf

    from streamscore.engines.flink import FlinkEngine
    from streamscore.models import model_function

    project = Project(ROOT)
    engine = FlinkEngine(project)
    t_env = engine.t_env
    names = Model(MODEL, compile=False).metadata.feature_names
    columns = ", ".join(f"{n} DOUBLE" for n in names)
    t_env.execute_sql(f"CREATE TEMPORARY TABLE gen ({columns}) WITH ('connector' = 'datagen', "
                      f"'number-of-rows' = '{rows}', 'rows-per-second' = '1000000000', " + ", ".join(
                          f"'fields.{n}.min' = '0', 'fields.{n}.max' = '100'" for n in names) + ")")
    t_env.execute_sql("CREATE TEMPORARY TABLE sink (v DOUBLE) WITH ('connector' = 'blackhole')")
    trivial = udf(lambda *cols: pd.concat(cols, axis=1).sum(axis=1), result_type=DataTypes.DOUBLE(),
                  func_type="pandas")
    t_env.create_temporary_function("trivial_udf", trivial)
    t_env.create_temporary_function("model_udf", model_function(MODEL))
    timings = {}
    for name in ("trivial_udf", "model_udf", "trivial_udf", "model_udf"):  # warm both, keep the second runs
        started = time.perf_counter()
        t_env.execute_sql(f"INSERT INTO sink SELECT {name}({', '.join(names)}) FROM gen").wait()
        timings[name] = rows / (time.perf_counter() - started)
    engine.close()
    return {"function_rows_per_second": round(timings["model_udf"]),
            "trivial_udf_rows_per_second": round(timings["trivial_udf"]),
            "ratio": round(timings["model_udf"] / timings["trivial_udf"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    data = feature_rows(Project(ROOT), args.rows)
    print(json.dumps({
        "benchmark": "model_scoring",
        "rows": args.rows,
        "compiled_vs_lightgbm": compiled_vs_lightgbm(data[:200_000]),
        "duckdb_function_vs_direct": [duckdb_function_vs_direct(data, compiled, threads)
                                      for compiled in (True, False) for threads in (1, 2)],
        "flink_function_vs_trivial_udf": flink_function_vs_trivial_udf(args.rows),
    }))


if __name__ == "__main__":
    main()
