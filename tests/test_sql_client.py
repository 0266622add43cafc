"""`streamscore sql`: Flink's own SQL client with the project loaded, from a script and under a terminal.

A script (-f) scores through the project's model function (a Python UDF at the prompt) and through
CREATE MODEL ... 'provider' = 'lightgbm' + ML_PREDICT (streamscore's jar on the client's classpath, a model
path relative to the project), both equal to LightGBM here. At a terminal, on a project from `init` whose
orders are on the real broker, the client lists the project's tables and counts the topic's orders: the
profile's Kafka options reached the client."""

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from streamscore.cli import main
from streamscore.kafka.client import reset_topics
from streamscore.models.scorer import Model

pytestmark = [pytest.mark.flink, pytest.mark.kafka]

STREAMSCORE = str(Path(sys.executable).parent / "streamscore")
FEATURES = ["dep_hour", "day_of_week", "distance", "departures_1h", "temp", "dewp", "humid", "wind_speed",
            "precip", "pressure", "visib"]
ROWS = [(8, 3, 1000, 5, 50, 40, 70, 10, 0, 1015, 10), (18, 5, 2500, 40, 30.5, 28, 92, 25, 0.3, 998, 2)]


def tableau_values(output: str) -> list[list[str]]:
    """The rows a tableau result prints: | +I | v1 | v2 |."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")][1:]
            for line in output.splitlines() if re.match(r"^\|\s*\+I\s*\|", line.strip())]


def test_script_scores_with_the_project_model(project_copy, tmp_path):
    probe = tmp_path / "probe.jsonl"
    probe.write_text("".join(json.dumps(dict(zip(FEATURES, map(float, row)))) + "\n" for row in ROWS))
    arguments = ", ".join(FEATURES)
    inputs = ", ".join(f"{f} DOUBLE" for f in FEATURES)
    script = tmp_path / "score.sql"
    script.write_text(f"""
CREATE TEMPORARY TABLE probe ({inputs}) WITH ('connector' = 'filesystem', 'path' = '{probe}', 'format' = 'json');
SELECT dep_hour, delay_risk({arguments}) AS risk FROM probe;
CREATE MODEL delay_model INPUT ({inputs}) OUTPUT (score DOUBLE)
WITH ('provider' = 'lightgbm', 'path' = 'udfs/models/delay_risk');
SELECT dep_hour, score FROM ML_PREDICT(TABLE probe, MODEL delay_model, DESCRIPTOR({arguments}));
""")
    result = subprocess.run([STREAMSCORE, "--project", str(project_copy.root), "sql", "sql/jobs/flight_delays.sql",
                             "-f", str(script)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ERROR" not in result.stdout, result.stdout[-3000:]
    rows = tableau_values(result.stdout)
    assert len(rows) == 2 * len(ROWS), result.stdout[-3000:]
    expected = Model(project_copy.root / "udfs" / "models" / "delay_risk").score(
        [np.array([float(r[i]) for r in ROWS]) for i in range(len(FEATURES))])
    by_hour = {float(r[0]): float(r[0]) for r in ROWS}
    for start in (0, len(ROWS)):  # the Python UDF's rows, then ML_PREDICT's
        scored = {float(hour): float(score) for hour, score in rows[start:start + len(ROWS)]}
        assert set(scored) == set(by_hour)
        for row, want in zip(ROWS, expected):
            assert abs(scored[float(row[0])] - want) < 1e-12
    assert "view(s) of flight_delays" in result.stderr  # the job's views were created too


def test_script_error_is_an_exit_code(project_copy, tmp_path):
    script = tmp_path / "bad.sql"
    script.write_text("SELECT no_such_column FROM flights;\n")
    result = subprocess.run([STREAMSCORE, "--project", str(project_copy.root), "sql", "-f", str(script)],
                            capture_output=True, text=True, timeout=600)
    assert "no_such_column" in result.stdout
    assert result.returncode != 0


# The prompt: "Flink SQL>" on a dumb terminal; under a real one JLine draws it after turning on bracketed paste.
PROMPT = r"(Flink SQL>|\x1b\[\?2004h)"


def _read_until(fd: int, pattern: str, timeout: float) -> str:
    text, deadline = "", time.monotonic() + timeout
    while not re.search(pattern, text):
        if time.monotonic() > deadline:
            raise AssertionError(f"no {pattern!r} within {timeout}s; the terminal showed:\n{text[-3000:]}")
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                text += os.read(fd, 65536).decode(errors="replace")
            except OSError:  # the client exited
                break
    return text


def test_interactive_prompt_reads_the_topic(tmp_path_factory, broker):
    root = tmp_path_factory.mktemp("sql-client") / "shop"
    assert main(["init", str(root)]) == 0
    reset_topics(broker.bootstrap_servers, ["orders"])
    env = {**os.environ, "STREAMSCORE_BOOTSTRAP_SERVERS": broker.bootstrap_servers, "TERM": "xterm"}
    assert subprocess.run([STREAMSCORE, "--project", str(root), "produce", "orders", "--from", "data/orders.jsonl"],
                          env=env, capture_output=True, timeout=300).returncode == 0
    expected = Counter(json.loads(line)["customer"] for line in (root / "data" / "orders.jsonl").read_text().splitlines()
                       if line.strip())

    leader, follower = pty.openpty()
    client = subprocess.Popen([STREAMSCORE, "--project", str(root), "sql"], stdin=follower, stdout=follower,
                              stderr=follower, env=env, start_new_session=True)
    os.close(follower)
    try:
        _read_until(leader, PROMPT, 180)
        os.write(leader, b"SHOW TABLES;\r")
        tables = _read_until(leader, r"rows? in set[\s\S]*" + PROMPT, 120)
        assert "orders" in tables and "customer_minutes" in tables
        os.write(leader, b"SELECT customer, COUNT(*) AS n FROM orders "
                         b"/*+ OPTIONS('scan.bounded.mode' = 'latest-offset') */ GROUP BY customer;\r")
        counted = _read_until(leader, r"Received a total of \d+ rows?[\s\S]*" + PROMPT, 300)
        os.write(leader, b"QUIT;\r")
        assert client.wait(timeout=60) == 0
    finally:
        if client.poll() is None:
            client.kill()
        os.close(leader)
    # a streaming GROUP BY prints updates: the last +I/+U per customer is its count
    last = {}
    for line in counted.splitlines():
        match = re.match(r"^\|\s*[+][IU]\s*\|\s*(\S+)\s*\|\s*(\d+)\s*\|", line.strip())
        if match:
            last[match.group(1)] = int(match.group(2))
    assert last == dict(expected)
