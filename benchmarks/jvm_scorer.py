"""The JVM LightGBM scorer in Flink, as ratios measured in one run (prints one JSON object).

    .venv/bin/python benchmarks/jvm_scorer.py [--rows N]

Flink, datagen -> X -> blackhole, parallelism 1, the demo model's 11 features (uniform on 0..100), rows/s of
job time; each job runs twice and the second run counts (warm JVM):
- no_model: the same job with a sum of the features instead of a model (the baseline);
- jvm_function: `streamscore_lightgbm_predict(path, features...)` (streamscore's jar, a Java function);
- jvm_ml_predict: CREATE MODEL ... 'provider' = 'lightgbm' and ML_PREDICT, run natively by Flink;
- jvm_model_function: the model function of udfs/ as `run` calls it (the Java ModelFunction: version, hot
  reload, metrics);
- python_udf: the same model function as a pandas UDF through the Python bridge;
- booster_predict: LightGBM's own `booster.predict` on one core, 2048-row batches, same kind of rows.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lightgbm
import numpy as np

from streamscore.project import Project

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "udfs" / "models" / "delay_risk"


def flink_rates(rows: int) -> dict:
    from streamscore.engines.flink import FlinkEngine
    from streamscore.models import Model, model_function
    from streamscore.models.scorer import jvm_spec

    engine = FlinkEngine(Project(ROOT), config={"parallelism.default": "1"})
    t_env = engine._environment("streaming")
    engine.fresh_database(t_env)
    names = Model(MODEL, compile=False).metadata.feature_names
    columns = ", ".join(f"{n} DOUBLE" for n in names)
    t_env.execute_sql(f"CREATE TABLE gen ({columns}) WITH ('connector' = 'datagen', 'number-of-rows' = '{rows}', "
                      "'rows-per-second' = '1000000000', " + ", ".join(
                          f"'fields.{n}.min' = '0', 'fields.{n}.max' = '100'" for n in names) + ")")
    t_env.execute_sql("CREATE TABLE sink (v DOUBLE) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("CREATE TEMPORARY FUNCTION streamscore_lightgbm_predict AS "
                      "'dev.streamscore.lightgbm.LightGbmPredict' LANGUAGE JAVA")
    t_env.execute_sql(f"CREATE MODEL delay_risk INPUT ({columns}) OUTPUT (risk DOUBLE) "
                      f"WITH ('provider' = 'lightgbm', 'path' = '{MODEL}')")
    t_env.create_temporary_function("python_model", model_function(MODEL))
    t_env.execute_sql("CREATE TEMPORARY FUNCTION streamscore_model AS 'dev.streamscore.lightgbm.ModelFunction' "
                      "LANGUAGE JAVA")
    spec = json.dumps(jvm_spec("delay_risk", model_function(MODEL))).replace("'", "''")
    features = ", ".join(names)
    queries = {
        "no_model": f"INSERT INTO sink SELECT {' + '.join(names)} FROM gen",
        "jvm_function": f"INSERT INTO sink SELECT streamscore_lightgbm_predict('{MODEL}.txt', {features}) FROM gen",
        "jvm_ml_predict": f"INSERT INTO sink SELECT risk FROM ML_PREDICT(TABLE gen, MODEL delay_risk, "
                          f"DESCRIPTOR({features}))",
        "jvm_model_function": f"INSERT INTO sink SELECT streamscore_model('{spec}', {features}).score FROM gen",
        "python_udf": f"INSERT INTO sink SELECT python_model({features}) FROM gen",
    }
    rates = {}
    for name, sql in queries.items():
        for _ in range(2):  # the second run counts
            started = time.perf_counter()
            t_env.execute_sql(sql).wait()
            rates[name] = rows / (time.perf_counter() - started)
    engine.close()
    return {name: round(rate) for name, rate in rates.items()}


def booster_rate(rows: int) -> float:
    booster = lightgbm.Booster(model_file=str(MODEL) + ".txt")
    data = np.random.default_rng(1).uniform(0, 100, size=(min(rows, 500_000), booster.num_feature()))
    started = time.perf_counter()
    for start in range(0, len(data), 2048):
        booster.predict(data[start:start + 2048], num_threads=1)
    return len(data) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    rates = flink_rates(args.rows)
    direct = booster_rate(args.rows)
    print(json.dumps({
        "benchmark": "jvm_scorer", "rows": args.rows, "rows_per_second": {**rates, "booster_predict": round(direct)},
        "ratios": {
            "jvm_function_vs_no_model": round(rates["jvm_function"] / rates["no_model"], 3),
            "jvm_ml_predict_vs_no_model": round(rates["jvm_ml_predict"] / rates["no_model"], 3),
            "jvm_model_function_vs_no_model": round(rates["jvm_model_function"] / rates["no_model"], 3),
            "python_udf_vs_no_model": round(rates["python_udf"] / rates["no_model"], 3),
            "jvm_function_vs_booster_predict": round(rates["jvm_function"] / direct, 3),
        },
    }))


if __name__ == "__main__":
    main()
