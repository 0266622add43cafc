"""The demo job's DuckDB replay over 1x, 10x (and 100x) the November-December flights, from JSON Lines and
from Parquet, and the JSON Lines decode rate against DuckDB's own read_json on the same file.

    .venv/bin/python benchmarks/replay_scale.py [--scales 1,10,100] [--memory-limit 3GB]

Larger histories repeat the two months with times shifted by whole copies of the span (flight ids made
unique; weather shifted to match). JSON Lines sources go through the replay's decoder (the JVM decoder `run`
uses, with dead letters) the first time ("json_seconds"), then come from the decoded cache (.streamscore/cache,
"json_cached_seconds"); Parquet sources are read by DuckDB directly. Prints one JSON object with, per scale:
rows, wall seconds of each replay, rows/s, the JSON/Parquet ratios, decode rows/s against read_json's, and the
peak RSS of this process (DuckDB; the decoder JVM is a process of its own, its heap capped by Java's defaults).
The cache entries the benchmark made are removed after each scale.
"""

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from streamscore.datasets import write_demo_data
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.history import CACHE_FOLDER
from streamscore.kafka import dead_letters as dl
from streamscore.project import Project

SPAN_DAYS = 61  # Nov 1 - Dec 31


def scaled(files: dict[str, Path], scale: int, folder: Path) -> dict[str, Path]:
    """flights and weather repeated ``scale`` times, each copy SPAN_DAYS later, as JSON Lines and Parquet."""
    con = duckdb.connect()
    out = {}
    for table, source, time_column in (("flights", files["flights_live"], "sched_dep_time"),
                                       ("weather", files["weather"], "obs_time")):
        shift = f"{time_column} + to_days(CAST(k * {SPAN_DAYS} AS INTEGER)) AS {time_column}"
        ids = "flight_id + k * 10000000 AS flight_id, " if table == "flights" else ""
        # Copy by copy, each in the file's order (a cross join's output order interleaves them: late rows).
        con.execute(f"CREATE OR REPLACE TABLE source AS SELECT * FROM read_json('{source}', "
                    "format = 'newline_delimited')")
        query = (f"SELECT * EXCLUDE ({time_column}, line{', flight_id' if table == 'flights' else ''}), "
                 f"{ids}{shift} FROM (SELECT *, rowid AS line FROM source), range({scale}) AS copies(k)")
        if table == "weather" and scale > 1:  # the year's weather: keep Oct 31 - Dec 31, shifted per copy
            query += f" WHERE {time_column} >= TIMESTAMP '2013-10-31'"
        query += " ORDER BY k, line"
        out[table] = folder / f"{table}.jsonl"
        con.execute(f"COPY ({query}) TO '{out[table]}' (FORMAT json, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')")
        out[table + "_parquet"] = folder / f"{table}.parquet"
        con.execute(f"COPY (SELECT * FROM read_json('{out[table]}', format = 'newline_delimited')) "
                    f"TO '{out[table + '_parquet']}' (FORMAT parquet)")
    con.close()
    return out


def decode_rates(table, path: Path, folder: Path) -> dict:
    """The replay's decode (JVM decoder + DuckDB reading its output) and DuckDB's read_json, rows/s."""
    con = duckdb.connect()
    started = time.perf_counter()
    rows_file, rows, _ = dl.decode_json_lines(table, path, folder)
    con.execute(f"CREATE TABLE decoded AS {dl.decoded_rows_sql(table, rows_file)}")
    decode = time.perf_counter() - started
    columns = {c.name: c.type.sql("duckdb") for c in table.columns if c.is_physical}
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    started = time.perf_counter()
    con.execute(f"CREATE TABLE plain AS SELECT * FROM read_json('{path}', format = 'newline_delimited', "
                f"columns = {spec})")
    plain = time.perf_counter() - started
    con.close()
    return {"decode_rows_per_second": round(rows / decode), "read_json_rows_per_second": round(rows / plain),
            "decode_vs_read_json": round(plain / decode, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10", help="comma-separated multiples of Nov-Dec (default 1,10)")
    parser.add_argument("--memory-limit", help="DuckDB's memory limit for the replays, e.g. 3GB")
    args = parser.parse_args()
    project = Project(Path(__file__).resolve().parent.parent)
    job = project.job("sql/jobs/flight_delays.sql")
    files = write_demo_data(project.root / "data")
    engine = DuckDBEngine(project, memory_limit=args.memory_limit)
    cache = project.root / CACHE_FOLDER
    results = []
    for scale in [int(s) for s in args.scales.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"replay-scale-{scale}-") as tmp:
            data = scaled(files, scale, Path(tmp))
            flights = sum(1 for _ in open(data["flights"]))
            before = set(cache.rglob("*")) if cache.exists() else set()
            json_run = engine.replay(job, {"flights": data["flights"], "weather": data["weather"]}, Path(tmp) / "j")
            cached_run = engine.replay(job, {"flights": data["flights"], "weather": data["weather"]}, Path(tmp) / "c")
            for made in set(cache.rglob("*")) - before:
                if made.is_file():
                    made.unlink()
            parquet_run = engine.replay(job, {"flights": data["flights_parquet"], "weather": data["weather_parquet"]},
                                        Path(tmp) / "p")
            rates = decode_rates(job.tables["flights"], data["flights"], Path(tmp) / "decoded")
            results.append({
                "scale": scale, "flights": flights,
                "json_seconds": round(json_run.seconds, 2), "parquet_seconds": round(parquet_run.seconds, 2),
                "json_flights_per_second": round(flights / json_run.seconds),
                "parquet_flights_per_second": round(flights / parquet_run.seconds),
                "json_vs_parquet": round(parquet_run.seconds / json_run.seconds, 2),
                "json_cached_seconds": round(cached_run.seconds, 2),
                "json_cached_vs_parquet": round(parquet_run.seconds / cached_run.seconds, 2),
                "json_microseconds_per_flight": round(json_run.seconds / flights * 1e6, 1),
                **rates,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            })
            print(json.dumps(results[-1]), file=sys.stderr)
    print(json.dumps({"benchmark": "replay_scale", "results": results}))


if __name__ == "__main__":
    sys.exit(main())
