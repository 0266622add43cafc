"""Regenerates this group's inputs (run from the repository root; the files are committed fixtures):
the flights job replayed on DuckDB over two days of November 2013 gives the demo model's scores, and
streamscore.datasets.arrivals each flight's arrival, an event of its own that comes later, as outcomes
do (cancelled flights never arrive).

    .venv/bin/python tests/replay/monitoring/make_inputs.py
"""

import tempfile
from pathlib import Path

import pandas as pd

from streamscore.datasets import arrivals, flights, split_by_time, weather, write_jsonl
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.project import Project

HERE = Path(__file__).parent
COLUMNS = ["flight_id", "carrier", "origin", "sched_dep_time", "temp", "wind_speed", "delay_risk", "model_version",
           "challenger_risk"]

work = Path(tempfile.mkdtemp())
inputs = {"flights": work / "flights.jsonl", "weather": work / "weather.jsonl"}
days = split_by_time(flights(), "sched_dep_time", "2013-11-04", "2013-11-06")
write_jsonl(days, inputs["flights"])
write_jsonl(split_by_time(weather(), "obs_time", "2013-11-03", "2013-11-07"), inputs["weather"])
project = Project(Path("."))
result = DuckDBEngine(project).replay(project.job("sql/jobs/flight_delays.sql"), inputs, work / "out")
scores = pd.read_parquet(result.sinks["flight_scores"]).sort_values(["sched_dep_time", "flight_id"])[COLUMNS]
scores[["delay_risk", "challenger_risk"]] = scores[["delay_risk", "challenger_risk"]].round(6)
write_jsonl(scores, HERE / "inputs" / "scores.jsonl")
write_jsonl(arrivals(days), HERE / "inputs" / "arrivals.jsonl")
print(len(scores), "scores")
