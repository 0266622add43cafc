"""Engines: one module each, same small interface.

    engine.replay(job, inputs, output_dir) -> ReplayResult   # every sink's final rows as Parquet

DuckDB (default, translated SQL) and Flink (the job as written; the oracle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ReplayResult:
    engine: str
    sinks: dict[str, Path] = field(default_factory=dict)  # sink name -> Parquet file
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Per source with a watermark: rows at or behind the watermark when they arrive (file order).
    late_rows: dict[str, int] = field(default_factory=dict)
    # Per operator kind (Flink's names: OverAggregate, WindowAggregate, ...): late rows it dropped.
    late_dropped: dict[str, int] = field(default_factory=dict)
    # Per source: input records that are not rows (bad JSON, wrong types, ...), as `run` dead-letters
    # them; written to ``dead_letters_file`` (Parquet: source_table, line, raw, error).
    dead_letters: dict[str, int] = field(default_factory=dict)
    dead_letters_file: Path | None = None
    notes: list[str] = field(default_factory=list)  # how the replay may differ from production (hints ...)


def get_engine(name: str, project, drop_late: bool = False, keep_late: bool = False):
    from streamscore.errors import ConfigError

    if name == "duckdb":
        from streamscore.engines.duckdb import DuckDBEngine
        return DuckDBEngine(project, drop_late=drop_late, keep_late=keep_late)
    if drop_late or keep_late:
        raise ConfigError("--drop-late and --keep-late are for DuckDB replays: Flink drops late rows itself")
    if name == "flink":
        from streamscore.engines.flink import FlinkEngine
        return FlinkEngine(project)
    raise ConfigError(f"unknown engine {name!r}: use duckdb or flink")
