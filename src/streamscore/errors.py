"""One error tree. The CLI prints ``str(error)`` as one red line; ``--debug`` shows the trace."""

from __future__ import annotations

from pathlib import Path


class StreamscoreError(Exception):
    """Root of every error streamscore raises on purpose."""


class SetupError(StreamscoreError):
    """The environment is incomplete: a jar, a binary or a package is missing."""


class ConfigError(StreamscoreError):
    """A profile or a command-line option is wrong."""


class SqlError(StreamscoreError):
    """A problem located in a SQL file."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None):
        self.message, self.path, self.line, self.column, self.hint = message, path, line, column, hint
        where = str(path) if path else "<sql>"
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}" + (f" ({hint})" if hint else ""))


class ParseError(SqlError):
    """The SQL is not valid Flink SQL as streamscore reads it."""


class TranslationError(SqlError):
    """Valid Flink SQL that cannot be replayed faithfully on DuckDB."""


class ModelError(StreamscoreError):
    """A model file is missing, does not load, or does not match its declared inputs."""


class EngineError(StreamscoreError):
    """An engine (Flink, DuckDB) failed to run a job."""


class BrokerError(StreamscoreError):
    """The Kafka broker cannot be reached, started or used."""


class ReplayMismatch(StreamscoreError):
    """Two engines (or an engine and the expected rows) disagree on a sink."""
