"""`streamscore init DIR`: a new project that works at once (replay, test, explore, run).

The files are templates below: a source table of orders with event time, a windowed job writing to a
sink, the three connector profiles, an empty udfs/ package, a small sample of data, a replay test case
of the job whose expected rows the replay computes here (`streamscore test --regenerate` rewrites them
from Flink, the oracle) and an inline test with its rows written out.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from streamscore.errors import ConfigError

SOURCE_TABLE = """\
CREATE TABLE orders (
  order_id  BIGINT,
  customer  STRING,
  amount    DOUBLE,
  ts        TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
)"""

SINK_TABLE = """\
CREATE TABLE customer_minutes (
  customer     STRING,
  window_start TIMESTAMP(3),
  orders       BIGINT,
  total        DOUBLE
)"""

JOB_QUERY = """\
INSERT INTO customer_minutes
SELECT customer, window_start, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY customer, window_start, window_end;
"""

KAFKA_JSON = "'connector' = 'kafka',\n  'topic' = '{topic}',\n  'format' = 'json',\n  " \
             "'json.timestamp-format.standard' = 'SQL'"

FILES = {
    "sql/sources.sql": f"""\
-- Source tables: plain Flink SQL. The profiles in connectors/ add the connection details (local broker,
-- any Kafka cluster) or bind the tables to files for replays.

{SOURCE_TABLE} WITH (
  {KAFKA_JSON.format(topic='orders')},
  'scan.startup.mode' = 'earliest-offset'
);
""",
    "sql/sinks.sql": f"""\
-- Sink tables: what the jobs write.

{SINK_TABLE} WITH (
  {KAFKA_JSON.format(topic='customer_minutes')}
);
""",
    "sql/jobs/example.sql": f"""\
-- Orders per customer and minute (event time). Replay it on files: `streamscore replay sql/jobs/example.sql`;
-- stream it from Kafka: `streamscore produce orders --from data/orders.jsonl`, then
-- `streamscore run sql/jobs/example.sql`.

{JOB_QUERY}""",
    "connectors/local.toml": """\
# The embedded default: Kafka tables on the local broker (Apache Kafka on 127.0.0.1). `streamscore run`
# and `produce` start it when it is not running; `streamscore broker stop` stops it.
kind = "kafka"
bootstrap_servers = "${STREAMSCORE_BOOTSTRAP_SERVERS:-127.0.0.1:9092}"
local_broker = true
# Records that are not rows (bad JSON, wrong types, no event time) go here with the reason; the job goes on.
dead_letter_topic = "${STREAMSCORE_DEAD_LETTER_TOPIC:-streamscore-dead-letters}"
# late_topic = "streamscore-late-rows"  # a copy of each row read behind its source\'s watermark
partitions = 1

[options]  # merged into every Kafka table's WITH clause
"properties.group.id" = "streamscore"
""",
    "connectors/kafka.toml": """\
# Any Kafka cluster: connection details and credentials from the environment (the password is a secret,
# never printed). Use it with `streamscore run JOB --profile kafka` or `streamscore submit`.
kind = "kafka"
bootstrap_servers = "${KAFKA_BOOTSTRAP_SERVERS}"
dead_letter_topic = "${STREAMSCORE_DEAD_LETTER_TOPIC:-streamscore-dead-letters}"
# late_topic = "streamscore-late-rows"  # a copy of each row read behind its source\'s watermark
partitions = 3

[security]
protocol = "${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT}"   # PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
sasl_mechanism = "${KAFKA_SASL_MECHANISM:-PLAIN}"
username = "${KAFKA_USERNAME:-}"
password = "${KAFKA_PASSWORD:-}"

[options]
"properties.group.id" = "${KAFKA_GROUP_ID:-streamscore}"
""",
    "connectors/replay.toml": """\
# Files for `streamscore replay`, `verify` and `explore` (paths relative to the project; --input
# TABLE=PATH overrides). JSON Lines, CSV or Parquet.
kind = "files"

[tables.orders]
path = "data/orders.jsonl"
""",
    "udfs/__init__.py": '"""Python functions and model functions of this project (see the streamscore README)."""\n',
    "udfs/models/.gitkeep": "",
    "tests/replay/example/case.toml": """\
# A replay test case of the project's job: `streamscore test` replays sql/jobs/example.sql over
# tests/replay/inputs/ and compares each sink with expected/ (`--engine both`: on Flink too).
# `streamscore test --regenerate` rewrites expected/ from Flink, the oracle.
job = "sql/jobs/example.sql"
""",
    "tests/replay/example_inline.toml": """\
# An inline test: a few rows per source, the rows a sink must get (only the sinks and columns named
# here are compared). `streamscore test tests/replay/example_inline.toml --engine both` runs it on
# DuckDB and on Flink; a failure names the row and the column.
job = "sql/jobs/example.sql"

# Event time runs 5 s behind the latest order (the table's watermark): the 09:00:58 order, read after
# the 09:01:02 one, is still counted in its minute.
[[given.orders]]
order_id = 1
customer = "ana"
amount = 10.5
ts = 2024-01-15T09:00:05

[[given.orders]]
order_id = 2
customer = "ana"
amount = 4.5
ts = 2024-01-15T09:01:02

[[given.orders]]
order_id = 3
customer = "ana"
amount = 20.0
ts = 2024-01-15T09:00:58

[[given.orders]]
order_id = 4
customer = "bo"
amount = 7.25
ts = 2024-01-15T09:01:30

[[expect.customer_minutes]]
customer = "ana"
window_start = 2024-01-15T09:00:00
orders = 2
total = 30.5

[[expect.customer_minutes]]
customer = "ana"
window_start = 2024-01-15T09:01:00
orders = 1
total = 4.5

[[expect.customer_minutes]]
customer = "bo"
window_start = 2024-01-15T09:01:00
orders = 1
total = 7.25
""",
}


def sample_orders(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    at = dt.datetime(2024, 1, 15, 9, 0, 0)
    rows = []
    for order_id in range(1, count + 1):
        at += dt.timedelta(milliseconds=rng.randint(500, 9000))
        rows.append({"order_id": order_id, "customer": rng.choice(["ana", "bo", "chen", "dee"]),
                     "amount": round(rng.uniform(2, 120), 2), "ts": at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]})
    return rows


def init_project(folder: Path, log=print) -> Path:
    """Write a new project into ``folder`` (empty or missing); returns its root."""
    folder = Path(folder).resolve()
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(f"{folder} is not empty: `streamscore init` writes a new project into an empty folder")
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for path, rows in ((folder / "data" / "orders.jsonl", sample_orders(200, 1)),
                       (folder / "tests" / "replay" / "inputs" / "orders.jsonl", sample_orders(30, 2))):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _write_expected(folder)
    log(f"streamscore: new project in {folder}")
    return folder


def _write_expected(root: Path) -> None:
    """The example case's expected rows, from a DuckDB replay (`streamscore test --regenerate` asks Flink)."""
    import tempfile

    from streamscore.cases import discover, write_expected
    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.project import Project

    (case,) = discover(root / "tests" / "replay" / "example")
    job = case.job()
    with tempfile.TemporaryDirectory() as tmp:
        # no decoded-input cache: a new project starts without .streamscore/
        result = DuckDBEngine(Project(root), use_cache=False).replay(job, case.inputs(job, Path(tmp)), Path(tmp))
        for sink, parquet in result.sinks.items():
            write_expected(parquet, case.expected_dir / f"{sink}.jsonl")
