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


EXAMPLES = ("orders", "fraud")
SHARED = ("connectors/local.toml", "connectors/kafka.toml", "udfs/__init__.py", "udfs/models/.gitkeep")
TEMPLATES = Path(__file__).parent / "templates"


def init_project(folder: Path, log=print, example: str = "orders") -> Path:
    """Write a new project into ``folder`` (empty or missing); returns its root. ``example``: "orders" (a
    windowed job over one table) or "fraud" (card payments with nested baskets, a card reference table,
    MATCH_RECOGNIZE)."""
    folder = Path(folder).resolve()
    if example not in EXAMPLES:
        raise ConfigError(f"no example {example!r}: choose one of {', '.join(EXAMPLES)}")
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(f"{folder} is not empty: `streamscore init` writes a new project into an empty folder")
    if example == "orders":
        files = dict(FILES)
        data = {"data/orders.jsonl": sample_orders(200, 1), "tests/replay/inputs/orders.jsonl": sample_orders(30, 2)}
    else:
        files = {name: FILES[name] for name in SHARED}
        files.update({str(path.relative_to(TEMPLATES / example)): path.read_text()
                      for path in sorted((TEMPLATES / example).rglob("*")) if path.is_file()})
        updates, payments = sample_fraud(cards=40, hours=4, seed=1)
        test_updates, test_payments = sample_fraud(cards=12, hours=1, seed=2)
        data = {"data/card_updates.jsonl": updates, "data/payments.jsonl": payments,
                "tests/replay/inputs/card_updates.jsonl": test_updates,
                "tests/replay/inputs/payments.jsonl": test_payments}
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name, rows in data.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _write_expected(folder)
    log(f"streamscore: new project in {folder}")
    return folder


def _write_expected(root: Path) -> None:
    """The project's cases' expected rows, from a DuckDB replay (`streamscore test --regenerate` asks Flink)."""
    import tempfile

    from streamscore.cases import InlineCase, discover, write_expected
    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.project import Project

    for case in discover(root / "tests" / "replay"):
        if isinstance(case, InlineCase):  # its rows are written out
            continue
        job = case.job()
        with tempfile.TemporaryDirectory() as tmp:
            # no decoded-input cache: a new project starts without .streamscore/
            result = DuckDBEngine(Project(root), use_cache=False).replay(job, case.inputs(job, Path(tmp)), Path(tmp))
            for sink, parquet in result.sinks.items():
                write_expected(parquet, case.expected_dir / f"{sink}.jsonl")


# -- the card-fraud example (`streamscore init DIR --example fraud`) -----------------------------------
COUNTRIES = ["US", "GB", "DE", "FR", "NL", "ES", "IT", "BR", "JP", "IN", "MX", "PL"]
CATALOG = {  # category: (skus, unit price range)
    "grocery": (["milk", "bread", "coffee", "fruit"], (2.0, 40.0)),
    "fashion": (["shirt", "shoes", "jacket"], (15.0, 180.0)),
    "electronics": (["phone", "laptop", "headphones", "charger"], (20.0, 1200.0)),
    "travel": (["train", "flight", "hotel"], (30.0, 700.0)),
    "gift_card": (["gift25", "gift50", "gift100"], None),  # face value from the sku
}


def _stamp(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _basket(rng: random.Random, categories: list[str]) -> tuple[list[dict], float]:
    items = []
    for category in categories:
        skus, prices = CATALOG[category]
        sku = rng.choice(skus)
        price = float(sku.removeprefix("gift")) if prices is None else round(rng.uniform(*prices), 2)
        items.append({"sku": sku, "category": category, "quantity": rng.randint(1, 3 if prices else 4),
                      "unit_price": price})
    return items, round(sum(i["quantity"] * i["unit_price"] for i in items), 2)


def sample_fraud(cards: int, hours: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Card updates (in time order) and payments (in arrival order: up to 6 s out of event-time order, within
    the table's 10 s watermark delay) of ``cards`` cards over ``hours``, with bursts of stolen-card use:
    payments abroad in several countries minutes apart, gift cards and electronics in the baskets."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 3, 1, 9, 0, 0)
    end = start + dt.timedelta(hours=hours)
    ids = [f"card-{n:03d}" for n in range(1, cards + 1)]
    home = {card: rng.choice(COUNTRIES) for card in ids}
    updates = [{"card_id": card, "home_country": home[card], "credit_limit": float(rng.choice([500, 1000, 2500, 5000])),
                "updated_at": _stamp(start - dt.timedelta(days=30, seconds=n))} for n, card in enumerate(ids)]
    for _ in range(max(1, cards // 5)):  # limits changed and holders moved during the day
        card, at = rng.choice(ids), start + dt.timedelta(seconds=rng.uniform(0, hours * 3600))
        if rng.random() < 0.3:
            home[card] = rng.choice(COUNTRIES)
        updates.append({"card_id": card, "home_country": home[card],
                        "credit_limit": float(rng.choice([500, 1000, 2500, 5000])),
                        "updated_at": _stamp(at.replace(microsecond=500_000))})
    updates.sort(key=lambda u: u["updated_at"])

    events = []  # (event time, card, country, categories)
    at = start
    while at < end:
        at += dt.timedelta(milliseconds=rng.randint(2_000, 25_000))
        card = rng.choice(ids)
        country = home[card] if rng.random() < 0.93 else rng.choice(COUNTRIES)
        categories = rng.choices(list(CATALOG), weights=[8, 4, 3, 2, 1], k=rng.randint(1, 4))
        events.append((at, card, country, categories))
    for _ in range(max(3, cards // 6)):  # stolen cards: 3 to 5 payments in other countries, 20 s to 2 min apart
        card = rng.choice(ids)
        at = start + dt.timedelta(seconds=rng.uniform(0, hours * 3600 - 1200))
        for _ in range(rng.randint(3, 5)):
            at += dt.timedelta(milliseconds=rng.randint(20_000, 120_000))
            country = rng.choice([c for c in COUNTRIES if c != home[card]])
            events.append((at, card, country, rng.choices(["gift_card", "electronics"], k=rng.randint(1, 3))))
    events.sort(key=lambda e: e[0])
    payments = []
    for payment_id, (at, card, country, categories) in enumerate(events, start=1):
        items, amount = _basket(rng, categories)
        arrival = at + dt.timedelta(milliseconds=rng.randint(0, 6_000))
        payments.append((arrival, {"payment_id": payment_id, "card_id": card, "merchant": f"m{rng.randint(1, 60):02d}",
                                   "country": country, "amount": amount, "line_items": items,
                                   "paid_at": _stamp(at)}))
    payments.sort(key=lambda p: p[0])
    return updates, [p for _, p in payments]
