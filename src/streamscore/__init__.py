"""streamscore: write the real-time ML pipeline once in Flink SQL; run it on Flink, replay it on DuckDB."""

__version__ = "0.1.0"


def connect(job=None, inputs=None, project=None, **options):
    """A DuckDB connection over a job (sources read replay files, views exist, models callable): for notebooks.
    ``inputs``: {table: file, glob, folder or "kafka"}; ``options``: use_cache, memory_limit (see explore.connect)."""
    from streamscore.explore import connect as _connect

    return _connect(job, inputs, project, **options)
