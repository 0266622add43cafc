"""The example project's model functions (imported by Flink workers and by DuckDB alike)."""
