"""`streamscore explore` / `streamscore.connect` over a job, and the HTML report rendered by a real
headless Chromium (Debian's package)."""

import re
import shutil
import subprocess
import sys

import pytest

import streamscore
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.explore import Explorer, statements
from streamscore.report import ReportSpec, build_report


def test_connect_gives_the_jobs_views_and_model_functions(project, flights_job, small_files, tmp_path):
    con = streamscore.connect("sql/jobs/flight_delays.sql", small_files, project=project.root)
    flights = sum(1 for _ in open(small_files["flights"]))
    assert con.sql("SELECT count(*) FROM flight_features").fetchall()[0][0] == flights
    # The model function scores exactly what the replay's sink holds.
    scored = con.sql("SELECT flight_id, delay_risk(dep_hour, day_of_week, distance, departures_1h, temp, dewp, "
                     "humid, wind_speed, precip, pressure, visib) AS risk FROM flight_features").df()
    con.close()
    import pandas as pd

    replayed = pd.read_parquet(DuckDBEngine(project).replay(flights_job, small_files, tmp_path).sinks["flight_scores"])
    joined = scored.merge(replayed, on="flight_id")
    assert len(joined) == flights and (joined["risk"] - joined["delay_risk"]).abs().max() < 1e-12


def test_explorer_helpers_and_errors(project, flights_job, small_files):
    con = DuckDBEngine(project).connect(flights_job, small_files)
    explorer = Explorer(con, flights_job, small_files)
    assert re.search(r"flights\s+source\s+.*flights.jsonl", explorer.run(".tables"))
    assert re.search(r"flight_features\s+view", explorer.run(".tables"))
    assert re.search(r"origin_departures_1h\s+BIGINT", explorer.run(".schema flight_features"))
    assert explorer.run(".models").startswith("delay_risk(dep_hour DOUBLE, day_of_week DOUBLE")
    assert re.search(r"│\s+3 │", explorer.run("SELECT count(DISTINCT origin) AS n FROM flights;"))
    assert explorer.run("SELECT nope FROM flights").startswith("error: Binder Error")
    assert explorer.run(".frobnicate").startswith("unknown command")
    assert statements(".tables\nSELECT 1\n, 2;\n.models\nSELECT 3;") == [".tables", "SELECT 1\n, 2;", ".models", "SELECT 3;"]


def test_explore_prompt_reads_stdin(project, small_files):
    script = ".tables\nSELECT count(*) AS n\n  FROM flights;\n.quit\nSELECT 'not reached';\n"
    done = subprocess.run([sys.executable, "-m", "streamscore", "--project", str(project.root), "explore",
                           "sql/jobs/flight_delays.sql", "--input", f"flights={small_files['flights']}", "--input", f"weather={small_files['weather']}"],
                          input=script, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "flight_features" in done.stdout and str(sum(1 for _ in open(small_files["flights"]))) in done.stdout
    assert "not reached" not in done.stdout


def test_report_renders_in_headless_chromium(project, flights_job, small_files, tmp_path):
    report = build_report(project, flights_job, small_files, tmp_path / "report.html",
                          ReportSpec(label="arr_delay >= 15"), log=lambda m: None)
    text = report.path.read_text()
    assert report.plots == 6 and text.count("<svg") == 6  # no chart of zero late rows: a sentence instead
    assert "no late rows: every row arrived ahead" in text
    assert 'class="legend"' in text and not re.search(r"\d\.\d+e\+\d", text)  # legends beside, no 1.05e+03
    assert "AUC <b>0." in text and not re.search(r"(src|href)=\"?https?:", text)  # self-contained
    assert report.sections == ["Scores: flight_scores.delay_risk", "Alerts: delay_alerts (15 rows)",
                               "Late rows per source (behind the watermark on arrival)", "Throughput (this replay, DuckDB)"]
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by `make test`"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", report.path.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert dom.count("<svg") == 6 and dom.count('class="bar"') > 30 and 'class="series"' in dom
    shot = tmp_path / "report.png"
    subprocess.run([chromium, *flags, "--window-size=760,3000", f"--screenshot={shot}", report.path.as_uri()],
                   capture_output=True, timeout=120)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 760 and len(png) > 50_000


def test_axis_numbers_read_at_a_glance():
    from streamscore.report import _number

    assert [_number(v) for v in (0, 0.25, 1050, 12500, 3.2e6, 2e-4, -1500)] == \
        ["0", "0.25", "1,050", "12.5k", "3.2M", "2.0e-04", "-1,500"]


def test_line_chart_legend_is_beside_the_plot():
    import numpy as np

    from streamscore.report import LEGEND, WIDTH, line_chart

    svg = line_chart("t", np.arange(3.0), {"observed rate": np.ones(3), "mean predicted": np.zeros(3)}, "x", "y")
    assert f'width="{WIDTH + LEGEND}"' in svg
    legends = re.findall(r'<text class="legend" x="([\d.]+)"[^>]*>([^<]+)<', svg)
    assert [name for _, name in legends] == ["observed rate", "mean predicted"]
    assert all(float(x) > WIDTH for x, _ in legends)  # right of the plot area, not over the lines
