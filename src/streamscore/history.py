"""History wherever it lives, decoded once.

An input names where a table's history is: a file, a glob (``history/*.jsonl``), a folder (every data file
below it, Hive partition folders ``dt=2013-11-01/`` filling the partition columns the table declares),
JSON Lines and CSV compressed with gzip (``.gz``) or zstd (``.zst``), Parquet files or datasets, or the
table's Kafka topic (``kafka``: earliest to the current end offsets; ``kafka@2013-11-01T00:00:00``: from the
first record at or after that time, UTC).

Files are read in path order. JSON Lines of a guarded table (see kafka.dead_letters) go through the JVM
decoder `run` uses; the decoded columns of each file are kept as Parquet under .streamscore/cache, keyed by
the file's identity (path, size, mtime) and the table's schema, so explore, connect() and later replays
read them at Parquet speed. ``streamscore cache clear`` empties the cache; ``--no-cache`` bypasses it.
"""

from __future__ import annotations

import glob as globbing
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from streamscore.config import FILE_FORMATS
from streamscore.errors import ConfigError, SetupError

KAFKA = "kafka"
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
CACHE_FOLDER = Path(".streamscore") / "cache"
TEMP_FOLDER = Path(".streamscore") / "tmp"
CACHE_VERSION = 1  # bump when what a cache entry holds changes
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
LARGE_FILE = 64 << 20  # decoding one takes seconds: said at its start, whatever the replay's age


@dataclass(frozen=True)
class HistoryFile:
    path: Path
    format: str  # json, csv, parquet
    compression: str | None  # gzip, zstd
    partitions: tuple[tuple[str, str | None], ...] = ()  # Hive folders above the file: (key, value)


@dataclass(frozen=True)
class TopicSpec:
    start: datetime | None = None  # None: each partition's earliest record


def is_topic(spec: str | Path) -> TopicSpec | None:
    """``kafka`` or ``kafka@TIME`` (ISO 8601, UTC unless it names a zone): the table's topic as its input."""
    text = str(spec)
    if text == KAFKA:
        return TopicSpec()
    if text.startswith(KAFKA + "@"):
        try:
            start = datetime.fromisoformat(text[len(KAFKA) + 1:])
        except ValueError:
            raise ConfigError(f"input {text!r}: expected kafka@TIME, e.g. kafka@2013-11-01T00:00:00") from None
        return TopicSpec(start if start.tzinfo else start.replace(tzinfo=timezone.utc))
    return None


def file_kind(path: Path) -> tuple[str, str | None]:
    """(format, compression) from the file's suffixes: ``orders.jsonl.gz`` is gzip-compressed JSON Lines."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    inner = suffixes[-2] if compression and len(suffixes) > 1 else (suffixes[-1] if suffixes and not compression else "")
    fmt = FILE_FORMATS.get(inner)
    if fmt is None or (fmt == "parquet" and compression):
        known = ", ".join(sorted(FILE_FORMATS)) + " (JSON Lines and CSV also as .gz or .zst)"
        raise ConfigError(f"{path}: unknown file type {''.join(path.suffixes)!r}; use one of {known}")
    return fmt, compression


def _data_file(path: Path) -> bool:
    """Files a folder's history is made of: not hidden, not a writer's marker (_SUCCESS, .crc)."""
    if path.name.startswith((".", "_")):
        return False
    try:
        file_kind(path)
    except ConfigError:
        return False
    return True


def _partitions(path: Path, base: Path) -> tuple[tuple[str, str | None], ...]:
    try:
        relative = path.relative_to(base)
    except ValueError:
        return ()
    found = []
    for part in relative.parts[:-1]:
        key, sep, value = part.partition("=")
        if sep and key:
            value = urllib.parse.unquote(value)
            found.append((key, None if value == HIVE_NULL else value))
    return tuple(found)


def _glob_base(pattern: str) -> Path:
    """The folder a glob's matches are under: the path up to its first wildcard."""
    parts = Path(pattern).parts
    fixed = [p for p in parts[:next((i for i, p in enumerate(parts) if any(c in p for c in "*?[")), len(parts))]]
    return Path(*fixed) if fixed else Path(".")


def files_of(spec: str | Path) -> list[HistoryFile]:
    """The files an input names, in path order; a ConfigError when it names none or mixes formats."""
    text = str(spec)
    path = Path(text)
    if any(c in text for c in "*?["):
        base = _glob_base(text)
        paths = sorted(Path(p) for p in globbing.glob(text, recursive=True) if Path(p).is_file())
        if not paths:
            raise ConfigError(f"input {text}: no file matches")
    elif path.is_dir():
        base = path
        paths = sorted(p for p in path.rglob("*") if p.is_file() and _data_file(p)
                       and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts[:-1]))
        if not paths:
            raise ConfigError(f"input {text}: the folder holds no JSON Lines, CSV or Parquet file")
    elif path.is_file():
        base, paths = path.parent, [path]
    else:
        raise ConfigError(f"input file does not exist: {text}")
    files = [HistoryFile(p, *file_kind(p), _partitions(p, base)) for p in paths]
    formats = {f.format for f in files}
    if len(formats) > 1:
        raise ConfigError(f"input {text}: mixes {' and '.join(sorted(formats))} files; give one format per table")
    keys = {tuple(k for k, _ in f.partitions) for f in files}
    if len(keys) > 1:
        raise ConfigError(f"input {text}: files under different partition folders ({sorted(keys)})")
    return files


def is_plain(spec: str | Path) -> bool:
    """One uncompressed file: what every engine reads as it is."""
    path = Path(spec)
    if is_topic(spec) or any(c in str(spec) for c in "*?[") or not path.is_file():
        return False
    return file_kind(path)[1] is None


# -- a topic as input -----------------------------------------------------------------------------------
def topic_input(project, table, topic: TopicSpec, profile_name: str = "local", log=None) -> Path:
    """The table's topic (under the profile) as a JSON Lines file of its committed records (raw values,
    append order, read_committed), from ``topic.start`` or the earliest to the current end offsets. Kept in
    the cache per (topic, start offsets, end offsets) with a map of each line's partition and offset, so
    dead letters name them and an unchanged topic is decoded once."""
    from streamscore.changelog import UPSERT, changelog_format
    from streamscore.kafka.client import end_offsets, use_profile
    from streamscore.replay import kafka_topic, write_topic_records

    profile = project.profile(profile_name)
    use_profile(profile)
    name = kafka_topic(profile, table)
    if name is None:
        raise ConfigError(f"input `{table.name}`=kafka: `{table.name}` is not a Kafka table "
                          f"(connector {table.options.get('connector')!r})")
    if not profile.bootstrap_servers:
        raise ConfigError(f"input `{table.name}`=kafka: profile {profile.name!r} names no bootstrap servers")
    ends = end_offsets(profile.bootstrap_servers, name)
    starts = _offsets_at(profile.bootstrap_servers, name, topic.start, ends) if topic.start else None
    keyed = changelog_format(table) == UPSERT  # its records with their keys, tombstones too
    key = hashlib.sha256(json.dumps([profile.bootstrap_servers, name, starts, ends, keyed],
                                    sort_keys=True).encode()).hexdigest()
    target = project.root / CACHE_FOLDER / "topics" / f"{table.name}-{key[:16]}.jsonl"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        offsets = write_topic_records(profile.bootstrap_servers, name, partial, ends, starts, keyed)
        _offset_map(target).write_text(json.dumps({"topic": name, "records": offsets}))
        partial.replace(target)
        if log:
            log(f"{table.name}: {len(offsets):,} records from topic {name}")
    return target


def _offset_map(dump: Path) -> Path:
    return dump.with_name(dump.stem + ".offsets.json")


def _offsets_at(bootstrap: str, topic: str, start: datetime, ends: dict[int, int]) -> dict[int, int]:
    """Each partition's first offset at or after ``start`` (its end when every record is older)."""
    from confluent_kafka import TopicPartition

    from streamscore.kafka.client import _consumer

    millis = int(start.timestamp() * 1000)
    consumer = _consumer(bootstrap)
    try:
        found = consumer.offsets_for_times([TopicPartition(topic, p, millis) for p in ends], timeout=15)
    finally:
        consumer.close()
    return {tp.partition: (tp.offset if tp.offset >= 0 else ends[tp.partition]) for tp in found}


_OFFSET_MAPS: dict[Path, dict] = {}  # a topic dump's line -> (partition, offset), read once per process


def _source_name(file: HistoryFile, line: int) -> tuple[str, int]:
    """How a dead letter names where it came from: the file, or for a topic's records its partition/offset."""
    mapping = _offset_map(file.path)
    if file.path.parent.name == "topics" and mapping.exists():
        if mapping not in _OFFSET_MAPS:
            _OFFSET_MAPS[mapping] = json.loads(mapping.read_text())
        topic = _OFFSET_MAPS[mapping]
        partition, offset = topic["records"][line - 1]
        return f"{topic['topic']} partition {partition}", offset
    return str(file.path), line


# -- decoded once --------------------------------------------------------------------------------------
@dataclass
class DeadLetter:
    table: str
    file: str  # the file, or "<topic> partition <p>"
    line: int  # 1-based line of the file, or the record's offset
    raw: str
    error: str


class Decoded:
    """Each file of a table's history as Parquet of the table's columns (typed as declared; partition
    columns filled) plus its dead letters: from the cache when the file and the schema are unchanged."""

    def __init__(self, root: Path, use_cache: bool = True, progress: "Progress | None" = None, time_zone: str = "UTC"):
        """``time_zone``: the job's table.local-time-zone, in which text becomes a TIMESTAMP_LTZ (CSV, or JSON
        of a table the decoder does not guard), as it does when the replay reads the text itself."""
        self.root = Path(root)
        self.use_cache = use_cache
        self.progress = progress
        self.time_zone = time_zone
        self.folder = self.root / CACHE_FOLDER if use_cache else Path(tempfile.mkdtemp(prefix="streamscore-decoded-"))
        self.hits = self.misses = 0

    def close(self) -> None:
        if not self.use_cache:
            shutil.rmtree(self.folder, ignore_errors=True)

    def table(self, table, spec: str | Path) -> tuple[str, list[DeadLetter]]:
        """(DuckDB reader of the table's rows, in path order; its dead letters): Parquet inputs are read as
        they are (partition columns from their folders), others from their decoded files."""
        files = files_of(spec)
        if files[0].format == "parquet":
            return parquet_reader([f.path for f in files], hive=bool(files[0].partitions)), []
        parquet, dead = [], []
        for file in files:
            rows, letters = self._file(table, file)
            parquet.append(rows)
            dead.extend(letters)
        return parquet_reader(parquet), dead

    def _file(self, table, file: HistoryFile) -> tuple[Path, list[DeadLetter]]:
        stat = file.path.stat()
        key = hashlib.sha256(json.dumps([CACHE_VERSION, str(file.path.resolve()), stat.st_size, stat.st_mtime_ns,
                                         list(file.partitions), schema_key(table), self.time_zone,
                                         decoder_identity()]).encode()).hexdigest()
        rows, dead = self.folder / "decoded" / f"{key}.parquet", self.folder / "decoded" / f"{key}.dead.jsonl"
        if rows.exists() and dead.exists():
            self.hits += 1
        else:
            self.misses += 1
            if self.progress and stat.st_size >= LARGE_FILE:
                self.progress.say(f"{table.name}: decoding {file.path} ({stat.st_size / 1e6:,.0f} MB)", force=True)
            rows.parent.mkdir(parents=True, exist_ok=True)
            self._decode(table, file, rows, dead)
            # What the entry was made from: `cache prune` drops entries whose file changed or is gone.
            rows.with_name(f"{key}.source.json").write_text(json.dumps(
                {"path": str(file.path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
        letters = []
        with open(dead, encoding="utf-8") as lines:
            for line in lines:
                letter = json.loads(line)
                source, where = _source_name(file, letter["line"])
                letters.append(DeadLetter(table.name, source, where, letter["raw"], letter["error"]))
        if self.progress:
            self.progress.rows(table.name, rows)
        return rows, letters

    def _decode(self, table, file: HistoryFile, rows: Path, dead: Path) -> None:
        import duckdb

        from streamscore.engines.duckdb import DuckDBEngine
        from streamscore.kafka import dead_letters as dl

        with tempfile.TemporaryDirectory(prefix="streamscore-decode-", dir=self._temp_parent()) as work:
            plain = _decompressed(file, Path(work)) if file.compression else file.path
            partitions = dict(file.partitions)
            read_as = _without(table, partitions)
            con = duckdb.connect()
            try:
                con.execute(f"SET TimeZone = '{sql_text(self.time_zone)}'").fetchall()
                letters = []
                if dl.replay_guard_applies(read_as, plain):
                    decoded, _, letters = dl.decode_json_lines(read_as, plain, work)
                    select = dl.decoded_rows_sql(read_as, decoded)
                else:
                    select = DuckDBEngine.physical_columns_sql(read_as, plain, file.format)
                select = _with_partitions(table, select, partitions)
                partial = rows.with_suffix(f".{os.getpid()}.partial")  # processes decoding alike do not collide
                con.execute(f"COPY ({select}) TO '{sql_text(partial)}' (FORMAT parquet)").fetchall()
            except duckdb.Error as error:
                raise ConfigError(f"reading {file.path} for `{table.name}`: {str(error).splitlines()[0]}") from None
            finally:
                con.close()
            dead_partial = dead.with_suffix(f".{os.getpid()}.partial")
            with open(dead_partial, "w", encoding="utf-8") as out:
                for letter in letters:
                    out.write(json.dumps({"line": letter.line, "raw": letter.raw, "error": letter.error}) + "\n")
            partial.replace(rows)
            dead_partial.replace(dead)

    def _temp_parent(self) -> str | None:
        folder = self.root / TEMP_FOLDER
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return str(folder)


_DECODER_IDENTITY: list[str] = []


def decoder_identity() -> str:
    """What turns files into columns, besides the table: the decoder's jar (size, mtime) and the Python that
    reads its output and the other formats. A rebuilt decoder or changed rules decode every file again."""
    if not _DECODER_IDENTITY:
        from streamscore.engines import duckdb as engine
        from streamscore.kafka import dead_letters
        from streamscore.sql import typed
        from streamscore.vendor import streamscore_jar

        digest = hashlib.sha256()
        for module in (dead_letters, typed, engine, sys.modules[__name__]):
            digest.update(Path(module.__file__).read_bytes())
        try:
            jar = streamscore_jar().stat()
            digest.update(f"{jar.st_size}:{jar.st_mtime_ns}".encode())
        except (SetupError, OSError):  # no jar: only JSON of guarded tables needs it, and its decode says why
            digest.update(b"no jar")
        _DECODER_IDENTITY.append(digest.hexdigest())
    return _DECODER_IDENTITY[0]


def schema_key(table) -> list:
    """What a cache entry depends on in the table: its columns and types, what the decoder is told."""
    from streamscore.kafka import dead_letters as dl
    from streamscore.sql.typed import duckdb_type

    columns = [[c.name, duckdb_type(c.type), c.is_physical, c.in_replay_file] for c in table.columns
               if c.in_replay_file or c.is_physical]
    return [columns, dl.decoder_spec(table) if dl.unguarded_reason(table) is None else None,
            table.options.get("format")]


def _without(table, partitions: dict):
    """The table as its files hold it: partition columns come from the folders, not the records (the event
    time stays: the decoder needs it)."""
    dropped = {k for k in partitions if k != table.rowtime and any(c.name == k and c.is_physical for c in table.columns)}
    return replace(table, columns=[c for c in table.columns if c.name not in dropped]) if dropped else table


def _with_partitions(table, select: str, partitions: dict) -> str:
    """The table's file columns in declared order, partition columns (where declared) from the folders."""
    from streamscore.sql.typed import duckdb_type

    columns = [c for c in table.columns if c.in_replay_file]
    names = {c.name for c in columns}
    if not any(k in names for k in partitions):
        return select
    out = []
    for column in columns:
        quoted = '"' + column.name.replace('"', '""') + '"'
        if column.name in partitions and column.name != table.rowtime:
            value = partitions[column.name]
            literal = "NULL" if value is None else f"'{sql_text(value)}'"
            out.append(f"CAST({literal} AS {duckdb_type(column.type)}) AS {quoted}")
        else:
            out.append(quoted)
    return f"SELECT {', '.join(out)} FROM ({select})"


def _decompressed(file: HistoryFile, folder: Path) -> Path:
    """The file decompressed, streaming, into ``folder`` (the JVM decoder and DuckDB then read it plainly)."""
    import gzip

    import pyarrow as pa

    target = folder / Path(file.path.name).with_suffix("").name
    with open(target, "wb") as out:
        if file.compression == "gzip":
            with gzip.open(file.path, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
        else:
            with pa.CompressedInputStream(pa.OSFile(str(file.path)), "zstd") as source:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
    return target


def sql_text(value) -> str:
    return str(value).replace("'", "''")


def parquet_reader(files: list[Path], hive: bool = False) -> str:
    listed = ", ".join(f"'{sql_text(p)}'" for p in files)
    return f"read_parquet([{listed}], hive_partitioning = {str(hive).lower()}, union_by_name = true)"


def write_dead_letters(dead: list[DeadLetter], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("source_table", pa.string()), ("file", pa.string()), ("line", pa.int64()),
                        ("raw", pa.string()), ("error", pa.string())])
    pq.write_table(pa.table({"source_table": [d.table for d in dead], "file": [d.file for d in dead],
                             "line": [d.line for d in dead], "raw": [d.raw for d in dead],
                             "error": [d.error for d in dead]}, schema=schema), path)


def keep_dead_letters(result, dead: list[DeadLetter], output_dir: Path) -> None:
    """A replay's dead letters into ``output_dir/dead_letters.parquet``, counted per source on ``result``."""
    if not dead:
        return
    result.dead_letters_file = Path(output_dir) / "dead_letters.parquet"
    write_dead_letters(dead, result.dead_letters_file)
    for letter in dead:
        result.dead_letters[letter.table] = result.dead_letters.get(letter.table, 0) + 1


def clear_cache(root: Path) -> tuple[int, int]:
    """Remove the cache (decoded files, topic records) and the temp folder: (files, bytes) removed."""
    count = size = 0
    for folder in (Path(root) / CACHE_FOLDER, Path(root) / TEMP_FOLDER):
        if folder.exists():
            for path in folder.rglob("*"):
                if path.is_file():
                    count, size = count + 1, size + path.stat().st_size
            shutil.rmtree(folder)
    return count, size


def prune_cache(root: Path) -> tuple[int, int]:
    """Remove the decoded files of inputs that changed or are gone: (entries, bytes) removed."""
    count = size = 0
    for source in (Path(root) / CACHE_FOLDER / "decoded").glob("*.source.json"):
        made_from = json.loads(source.read_text())
        path = Path(made_from["path"])
        if path.exists() and (path.stat().st_size, path.stat().st_mtime_ns) == (made_from["size"], made_from["mtime_ns"]):
            continue
        key = source.name[:-len(".source.json")]
        for entry in (source, source.with_name(f"{key}.parquet"), source.with_name(f"{key}.dead.jsonl")):
            if entry.exists():
                size += entry.stat().st_size
                entry.unlink()
        count += 1
    return count, size


def cache_size(root: Path) -> tuple[int, int]:
    folder = Path(root) / CACHE_FOLDER
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return len(files), sum(p.stat().st_size for p in files)


# -- progress ------------------------------------------------------------------------------------------
class Progress:
    """Rows read and rows/s on stderr, once a replay has run ``after`` seconds (short ones stay quiet)."""

    def __init__(self, stream=None, after: float = 5.0, every: float = 2.0):
        self.stream = stream if stream is not None else sys.stderr
        self.after, self.every = after, every
        self.started = time.monotonic()
        self.last = 0.0
        self.read: dict[str, int] = {}

    def rows(self, table: str, parquet: Path) -> None:
        import pyarrow.parquet as pq

        self.read[table] = self.read.get(table, 0) + pq.ParquetFile(parquet).metadata.num_rows
        self._show(f"{table}: {self.read[table]:,} rows read")

    def say(self, message: str, force: bool = False) -> None:
        """``force``: now, however young the replay (the start of a long step)."""
        self._show(message, force)

    def _show(self, message: str, force: bool = False) -> None:
        now = time.monotonic()
        elapsed = now - self.started
        if not force and (elapsed < self.after or now - self.last < self.every):
            return
        self.last = now
        total = sum(self.read.values())
        rate = f", {total / elapsed:,.0f} rows/s" if total else ""
        print(f"[{elapsed:6.1f}s] {message}{rate}", file=self.stream, flush=True)


def memory_settings(root: Path, memory_limit: str | None) -> list[str]:
    """DuckDB settings for out-of-core work: spill to .streamscore/tmp; the memory limit when given."""
    folder = Path(root) / TEMP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    settings = [f"SET temp_directory = '{sql_text(folder)}'"]
    if memory_limit:
        if not re.fullmatch(r"\s*\d+(\.\d+)?\s*[KMGT]?i?B\s*|\s*\d+(\.\d+)?\s*%\s*", memory_limit, re.I):
            raise ConfigError(f"--memory-limit {memory_limit!r}: expected a size such as 4GB or 512MB")
        settings.append(f"SET memory_limit = '{sql_text(memory_limit.strip())}'")
    return settings


def env_memory_limit() -> str | None:
    return os.environ.get("STREAMSCORE_MEMORY_LIMIT") or None
