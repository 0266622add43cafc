"""Verify what Flink wrote: a run's sink topics against the replay of the same SQL over what the run read.

On the real broker, through the CLI, in a project made by `init`: a bounded run verifies; a row changed in
the sink topic is found and named; a rerun is warned about (and doubles the sink, which verify then finds);
--reset-sinks starts from empty sink topics."""

import json

import pytest

from streamscore.cli import main
from streamscore.kafka.client import produce_jsonl, read_topic, reset_topics

pytestmark = [pytest.mark.kafka, pytest.mark.flink]


def cli(root, *args):
    return main(["--project", str(root), *args])


def test_verify_reads_what_flink_wrote(tmp_path, broker, monkeypatch, capsys):
    root = tmp_path / "shop"
    assert main(["init", str(root)]) == 0
    monkeypatch.setenv("STREAMSCORE_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    job = "sql/jobs/example.sql"
    assert cli(root, "produce", "orders", "--from", "data/orders.jsonl") == 0
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
