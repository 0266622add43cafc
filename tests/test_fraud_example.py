"""The card-fraud example (`streamscore init DIR --example fraud`): payments with nested baskets, a card reference
table joined as of each payment's time, MATCH_RECOGNIZE, UNNEST into a window. Its generated data is checked
against the alerts computed here in plain Python; then it runs from Kafka on Flink and the sink topics verify
equal to the DuckDB replay."""

import datetime as dt
import json

import pytest

from streamscore.cli import main
from streamscore.kafka.client import read_topic, reset_topics

pytestmark = [pytest.mark.kafka, pytest.mark.flink]

TOPICS = ["payments", "card_updates", "card_alerts", "gift_card_spend"]


def cli(root, *args):
    return main(["--project", str(root), *args])


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def at(text):
    return dt.datetime.fromisoformat(text)


def card_as_of(updates, card_id, when):
    """The card's latest version at ``when`` (what the job's temporal join reads)."""
    versions = [u for u in updates if u["card_id"] == card_id and at(u["updated_at"]) <= when]
    return max(versions, key=lambda u: u["updated_at"])


def expected_alerts(updates, payments):
    """Three consecutive payments of a card abroad, each in another country, the third within 10 minutes of the
    first; matching goes on after the match's last payment."""
    alerts = []
    for card_id in sorted({p["card_id"] for p in payments}):
        rows = sorted((p for p in payments if p["card_id"] == card_id), key=lambda p: p["paid_at"])
        home = [card_as_of(updates, card_id, at(p["paid_at"]))["home_country"] for p in rows]
        i = 0
        while i + 2 < len(rows):
            (a, b, c), homes = rows[i:i + 3], home[i:i + 3]
            abroad = all(p["country"] != h for p, h in zip((a, b, c), homes))
            if abroad and len({a["country"], b["country"], c["country"]}) == 3 \
                    and at(c["paid_at"]) - at(a["paid_at"]) < dt.timedelta(minutes=10):
                alerts.append((card_id, a["payment_id"], c["payment_id"]))
                i += 3
            else:
                i += 1
    return sorted(alerts)


@pytest.fixture(scope="module")
def fraud(tmp_path_factory):
    root = tmp_path_factory.mktemp("fraud") / "cards"
    assert main(["init", str(root), "--example", "fraud"]) == 0
    return root


def test_fraud_example_replays_the_alerts_in_its_data(fraud, capsys):
    """The replay's alerts are the ones computed directly, in the project's data and in its test case's."""
    for data in (fraud / "data", fraud / "tests" / "replay" / "inputs"):
        updates, payments = read_jsonl(data / "card_updates.jsonl"), read_jsonl(data / "payments.jsonl")
        assert payments != sorted(payments, key=lambda p: p["paid_at"])  # out of order, within the watermark
        assert any(item["category"] == "gift_card" for p in payments for item in p["line_items"])
        output = fraud / "build" / data.parent.name
        assert cli(fraud, "replay", "sql/jobs/fraud_alerts.sql", "--input", f"payments={data / 'payments.jsonl'}",
                   "--input", f"card_updates={data / 'card_updates.jsonl'}", "--output", str(output)) == 0
        import pandas as pd

        replayed = pd.read_parquet(output / "card_alerts.parquet")
        alerts = sorted((r.card_id, r.first_payment, r.last_payment) for r in replayed.itertuples())
        assert alerts == expected_alerts(updates, payments) and alerts
    capsys.readouterr()
    assert cli(fraud, "test") == 0  # the case `init` wrote
    assert "1/1 passed" in capsys.readouterr().out


def test_fraud_example_runs_from_kafka_equal_to_the_replay(fraud, broker, monkeypatch, capsys):
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    reset_topics(broker.bootstrap_servers, TOPICS)  # the session's broker: other projects used topics too
    assert cli(fraud, "produce", "card_updates", "--from", "data/card_updates.jsonl") == 0
    assert cli(fraud, "produce", "payments", "--from", "data/payments.jsonl") == 0
    assert cli(fraud, "run", "sql/jobs/fraud_alerts.sql", "--bounded", "--metrics-interval", "0") == 0
    alerts = read_topic(broker.bootstrap_servers, "card_alerts")
    spend = read_topic(broker.bootstrap_servers, "gift_card_spend")
    assert alerts and spend
    assert all(row["spend"] > row["credit_limit"] / 5 for row in spend)
    capsys.readouterr()
    assert cli(fraud, "verify", "sql/jobs/fraud_alerts.sql", "--kafka") == 0
    out = capsys.readouterr().out
    assert f"card_alerts: {len(alerts):,} rows, equal" in out
    assert f"gift_card_spend: {len(spend):,} rows, equal" in out
