"""streamscore: write the real-time ML pipeline once in Flink SQL; run it on Flink, replay it on DuckDB."""

__version__ = "0.1.0"
