"""Verify what Flink wrote: a run's sink topics against the replay of the same SQL over what the run read.

On the real broker, through the CLI, in a project made by `init`: a bounded run verifies; a row changed in
the sink topic is found and named; a rerun is warned about (and doubles the sink, which verify then finds);
--reset-sinks starts from empty sink topics."""

import json
import re
from pathlib import Path

import pytest

from streamscore.cli import main
from streamscore.kafka.client import produce_jsonl, read_topic, reset_topics

pytestmark = [pytest.mark.kafka, pytest.mark.flink]


def cli(root, *args):
    return main(["--project", str(root), *args])


@pytest.fixture(scope="module")
def shop(tmp_path_factory, broker):
    """A project from `init` whose orders are in the broker's `orders` topic."""
    root = tmp_path_factory.mktemp("verify") / "shop"
    assert main(["init", str(root)]) == 0
    # The broker is the session's: another test's project may have used the same topic names.
    reset_topics(broker.bootstrap_servers, ["orders", "customer_minutes", "rising_orders"])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
        assert cli(root, "produce", "orders", "--from", "data/orders.jsonl") == 0
    return root


def test_verify_reads_what_flink_wrote(shop, tmp_path, broker, monkeypatch, capsys):
    root = shop
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    job = "sql/jobs/example.sql"
    assert cli(root, "run", job, "--bounded", "--reset-sinks", "--metrics-interval", "0") == 0
    written = read_topic(broker.bootstrap_servers, "customer_minutes")
    assert len(written) > 0
    assert json.loads((root / ".streamscore" / "state" / "example" / "last_run.json").read_text())["sources"] \
        == {"orders": {"0": 200}}
    capsys.readouterr()

    assert cli(root, "verify", job, "--kafka") == 0
    captured = capsys.readouterr()
    assert f"customer_minutes: {len(written):,} rows, equal" in captured.out
    assert "orders: 200 records from topic orders" in captured.err

    # One row changed in the sink topic: verify names it.
    planted = [dict(r) for r in written]
    planted[3]["orders"] += 1000
    reset_topics(broker.bootstrap_servers, ["customer_minutes"])
    lines = tmp_path / "planted.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in planted))
    produce_jsonl(broker.bootstrap_servers, "customer_minutes", lines)
    assert cli(root, "verify", job, "--kafka") == 1
    out = capsys.readouterr().out
    assert "customer_minutes: DIFFERENT" in out
    only_in_kafka = out.split("only in kafka")[1]
    assert str(planted[3]["orders"]) in only_in_kafka and planted[3]["customer"] in only_in_kafka

    # A rerun appends: warned about, and verify finds the copies.
    assert cli(root, "run", job, "--bounded", "--metrics-interval", "0") == 0
    assert "sink topic customer_minutes already holds" in capsys.readouterr().err
    assert cli(root, "verify", job, "--kafka") == 1
    assert "customer_minutes: DIFFERENT" in capsys.readouterr().out

    # --reset-sinks: a clean rerun verifies again.
    assert cli(root, "run", job, "--bounded", "--reset-sinks", "--metrics-interval", "0") == 0
    assert "sink topics emptied: customer_minutes" in capsys.readouterr().err
    assert cli(root, "verify", job, "--kafka") == 0


RISING = """
CREATE TABLE rising_orders (customer STRING, first_order BIGINT, last_order BIGINT, total DOUBLE)
WITH ('connector' = 'kafka', 'topic' = 'rising_orders', 'format' = 'json');

INSERT INTO rising_orders
SELECT customer, first_order, last_order, total
FROM orders
  MATCH_RECOGNIZE (
    PARTITION BY customer
    ORDER BY ts
    MEASURES A.order_id AS first_order, C.order_id AS last_order, A.amount + B.amount + C.amount AS total
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B C) WITHIN INTERVAL '10' MINUTE
    DEFINE B AS B.amount > A.amount, C AS C.amount > B.amount
  );
"""


def test_run_takes_sql_only_flink_reads(shop, broker, monkeypatch, capsys):
    """MATCH_RECOGNIZE ... WITHIN runs from Kafka on Flink through `run` (its matches equal the pattern computed
    directly); `check` plans it; the DuckDB replay gives the same matches."""
    import pandas as pd

    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    (shop / "sql" / "jobs" / "rising.sql").write_text(RISING)
    assert cli(shop, "check", "sql/jobs/rising.sql") == 0
    assert cli(shop, "run", "sql/jobs/rising.sql", "--bounded", "--reset-sinks", "--metrics-interval", "0") == 0
    written = sorted((r["customer"], r["first_order"], r["last_order"])
                     for r in read_topic(broker.bootstrap_servers, "rising_orders"))
    orders = pd.read_json(shop / "data" / "orders.jsonl", lines=True, dtype={"ts": "datetime64[ns]"})
    expected = []
    for customer, rows in orders.sort_values("ts", kind="stable").groupby("customer", sort=False):
        rows, i = rows.to_dict("records"), 0
        while i + 2 < len(rows):
            a, b, c = rows[i:i + 3]
            if a["amount"] < b["amount"] < c["amount"] and c["ts"] - a["ts"] < pd.Timedelta(minutes=10):
                expected.append((customer, a["order_id"], c["order_id"]))
                i += 3
            else:
                i += 1
    assert written == sorted(expected) and len(written) > 0
    capsys.readouterr()
    assert cli(shop, "replay", "sql/jobs/rising.sql", "--output", str(shop / "build" / "rising")) == 0
    replayed = pd.read_parquet(shop / "build" / "rising" / "rising_orders.parquet")
    assert sorted((r.customer, r.first_order, r.last_order) for r in replayed.itertuples()) == written


LATE_ORDERS = """
CREATE TABLE late_orders (order_id BIGINT, customer STRING, amount DOUBLE, ts TIMESTAMP(3),
                          WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'late_orders', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
"""


def test_a_bounded_run_counts_and_drops_late_rows_as_the_replay(shop, broker, monkeypatch, capsys):
    """Out-of-order orders into MATCH_RECOGNIZE (Flink's CEP drops a row at or behind the watermark): a bounded
    run reads a watermark after every record as the replay does, so both drop the same rows, and its totals
    (read as each task ends: the job is over in seconds) equal the records read and the replay's counts."""
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    orders = Path(__file__).parent / "replay" / "late_match_recognize" / "inputs" / "orders.jsonl"
    reset_topics(broker.bootstrap_servers, ["late_orders", "rising_orders"])
    produce_jsonl(broker.bootstrap_servers, "late_orders", orders)
    (shop / "sql" / "jobs" / "late_rising.sql").write_text(LATE_ORDERS + RISING.replace("FROM orders", "FROM late_orders"))
    capsys.readouterr()
    assert cli(shop, "replay", "sql/jobs/late_rising.sql", "--input", f"late_orders={orders}") == 0
    replayed = capsys.readouterr()
    dropped = re.search(r"late rows dropped: Match (\d+)", replayed.out + replayed.err)
    assert dropped and int(dropped[1]) > 0
    assert cli(shop, "run", "sql/jobs/late_rising.sql", "--bounded", "--reset-sinks") == 0
    ran = capsys.readouterr()
    records = len(orders.read_text().splitlines())
    written = read_topic(broker.bootstrap_servers, "rising_orders")
    assert (f"metrics (total): in {records} " in ran.out
            and f"out rising_orders {len(written)} |" in ran.out
            and f"late dropped {dropped[1]} (Match {dropped[1]})" in ran.out), ran.out
    assert cli(shop, "verify", "sql/jobs/late_rising.sql", "--kafka") == 0
    assert f"rising_orders: {len(written):,} rows, equal" in capsys.readouterr().out


CDC = """
CREATE TABLE products (id INT, name STRING, description STRING, weight DOUBLE, PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'kafka', 'topic' = 'inventory_products', 'format' = 'debezium-json',
      'scan.startup.mode' = 'earliest-offset');
CREATE TABLE weight_by_name (name STRING, products BIGINT, total_weight DOUBLE, PRIMARY KEY (name) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'weight_by_name', 'key.format' = 'json', 'value.format' = 'json');
INSERT INTO weight_by_name SELECT name, COUNT(*), SUM(weight) FROM products GROUP BY name;
"""


def test_a_debezium_changelog_from_kafka_verifies_against_the_replay(shop, broker, monkeypatch, capsys):
    """Debezium's change records in a topic (and a tombstone after a delete, as Debezium sends): Flink's
    aggregate over them into an upsert-kafka topic holds per name what the replay computes over the table as
    the changes leave it."""
    from confluent_kafka import Producer

    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    reset_topics(broker.bootstrap_servers, ["inventory_products", "weight_by_name"])
    changes = Path(__file__).parent / "replay" / "changelog_debezium_inventory" / "inputs" / "products.jsonl"
    producer = Producer({"bootstrap.servers": broker.bootstrap_servers})
    for line in changes.read_text().splitlines():
        record = json.loads(line)
        key = json.dumps({"id": (record["after"] or record["before"])["id"]}).encode()
        producer.produce("inventory_products", line.encode(), key=key)
        if record["op"] == "d":
            producer.produce("inventory_products", None, key=key)  # the tombstone that follows a delete
    producer.flush()
    (shop / "sql" / "jobs" / "weights.sql").write_text(CDC)
    assert cli(shop, "run", "sql/jobs/weights.sql", "--bounded", "--reset-sinks", "--metrics-interval", "0") == 0
    capsys.readouterr()
    assert cli(shop, "verify", "sql/jobs/weights.sql", "--kafka") == 0
    assert "weight_by_name: 7 rows, equal" in capsys.readouterr().out


def test_topics_list_tail_reset(shop, broker, monkeypatch, capsys):
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    assert cli(shop, "topics") == 0
    listing = capsys.readouterr().out
    orders_line = next(line for line in listing.splitlines() if line.startswith("orders "))
    assert "200" in orders_line and "0:200" in orders_line and orders_line.rstrip().endswith("orders")
    assert cli(shop, "topics", "tail", "orders", "-n", "3") == 0
    tail = capsys.readouterr().out.splitlines()
    last = [json.loads(line) for line in (shop / "data" / "orders.jsonl").read_text().splitlines()[-3:]]
    assert tail[0].split() == ["order_id", "customer", "amount", "ts"] and len(tail) == 4
    assert [int(line.split()[0]) for line in tail[1:]] == [r["order_id"] for r in last]
    assert cli(shop, "topics", "reset", "customer_minutes") == 0
    assert "customer_minutes: emptied" in capsys.readouterr().out
    assert read_topic(broker.bootstrap_servers, "customer_minutes") == []
    assert cli(shop, "topics", "tail", "nope") == 2


BIG_ORDERS = """
CREATE TABLE big_orders WITH ('connector' = 'kafka', 'topic' = 'big_orders', 'format' = 'json')
AS SELECT order_id, customer, amount * 2, CAST(amount AS DECIMAL(10, 2)) / 3 AS third, ts
   FROM orders WHERE amount > 50;
"""


def test_create_table_as_select_runs_from_kafka_and_verifies(shop, broker, monkeypatch, capsys):
    """A CTAS job runs from Kafka (its table gets Flink's columns for the query, its rows the sink topic) and
    what it wrote (a DECIMAL among them, an unnamed column as EXPR$2) equals the replay's rows."""
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    (shop / "sql" / "jobs" / "big_orders.sql").write_text(BIG_ORDERS)
    assert cli(shop, "run", "sql/jobs/big_orders.sql", "--bounded", "--reset-sinks", "--metrics-interval", "0") == 0
    written = read_topic(broker.bootstrap_servers, "big_orders")
    orders = [json.loads(line) for line in (shop / "data" / "orders.jsonl").read_text().splitlines()]
    assert sorted(r["order_id"] for r in written) == sorted(o["order_id"] for o in orders if o["amount"] > 50)
    assert set(written[0]) == {"order_id", "customer", "EXPR$2", "third", "ts"}
    capsys.readouterr()
    assert cli(shop, "verify", "sql/jobs/big_orders.sql", "--kafka") == 0
    assert f"big_orders: {len(written):,} rows, equal" in capsys.readouterr().out


def produce_keyed(bootstrap_servers: str, topic: str, path: Path) -> None:
    """A file of records, ``{"key": {...}, "value": {...} or null}``, into ``topic`` as keyed Kafka records (a
    null value: a tombstone)."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap_servers})
    for line in path.read_text().splitlines():
        record = json.loads(line)
        value = None if record["value"] is None else json.dumps(record["value"]).encode()
        producer.produce(topic, value, key=json.dumps(record["key"]).encode())
    producer.flush()


def run_and_verify(shop, capsys, name: str, job: str):
    """``job`` as sql/jobs/<name>.sql, run bounded from its topics and then verified: verify's output."""
    (shop / "sql" / "jobs" / f"{name}.sql").write_text(job)
    assert cli(shop, "run", f"sql/jobs/{name}.sql", "--bounded", "--reset-sinks", "--metrics-interval", "0") == 0
    capsys.readouterr()
    assert cli(shop, "verify", f"sql/jobs/{name}.sql", "--kafka") == 0
    return capsys.readouterr()


def test_an_upsert_kafka_source_from_kafka_verifies_against_the_replay(shop, broker, monkeypatch, capsys):
    """Keyed records and tombstones in a compacted-style topic, read by Flink's upsert-kafka connector (its
    own normalization of the upsert stream) and joined with an append stream: what Flink wrote equals the
    replay over the same records, which `verify` captures with their keys and tombstones."""
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    case = Path(__file__).parent / "replay" / "changelog_upsert_users_pageviews"
    reset_topics(broker.bootstrap_servers, ["users", "pageviews", "views_by_region"])
    produce_keyed(broker.bootstrap_servers, "users", case / "inputs" / "users.jsonl")
    produce_jsonl(broker.bootstrap_servers, "pageviews", case / "inputs" / "pageviews.jsonl")
    job = (case / "job.sql").read_text().split("CREATE TABLE pageviews_per_region")[0] + """
CREATE TABLE views_by_region (regionid STRING, view_count BIGINT, viewers BIGINT, PRIMARY KEY (regionid) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'views_by_region', 'key.format' = 'json', 'value.format' = 'json');
INSERT INTO views_by_region
SELECT u.regionid, COUNT(*), COUNT(DISTINCT p.userid) FROM pageviews AS p JOIN users AS u ON p.userid = u.userid
GROUP BY u.regionid;
"""
    captured = run_and_verify(shop, capsys, "views", job)
    assert "views_by_region: 5 rows, equal" in captured.out
    assert "users: 61 records from topic users" in captured.err


def test_a_versioned_upsert_kafka_table_from_kafka_verifies_against_the_replay(shop, broker, monkeypatch, capsys):
    """Exchange rates as keyed records of an upsert-kafka table with event time (a versioned table), orders
    joined FOR SYSTEM_TIME AS OF their time: what Flink's temporal join wrote from the topics equals the
    replay's as-of join over the same records (two currencies updated at one time, an order behind its
    watermark)."""
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    case = Path(__file__).parent / "replay" / "temporal_upsert_currency_rates"
    reset_topics(broker.bootstrap_servers, ["currency_rates", "fx_orders", "euro_orders"])
    produce_keyed(broker.bootstrap_servers, "currency_rates", case / "inputs" / "currency_rates.jsonl")
    produce_jsonl(broker.bootstrap_servers, "fx_orders", case / "inputs" / "fx_orders.jsonl")
    job = (case / "job.sql").read_text().replace("WITH ('connector' = 'blackhole')", (
        "WITH ('connector' = 'kafka', 'topic' = 'euro_orders', 'format' = 'json', "
        "'json.timestamp-format.standard' = 'SQL')")).replace("orders_in_euros", "euro_orders")
    assert "euro_orders: 13 rows, equal" in run_and_verify(shop, capsys, "euros", job).out
