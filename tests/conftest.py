"""Shared fixtures: real data, one Flink JVM per session, a real broker process on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streamscore.datasets import flights, split_by_time, weather, write_demo_data, write_jsonl
from streamscore.project import Project

ROOT = Path(__file__).resolve().parent.parent
JOB = ROOT / "sql" / "jobs" / "flight_delays.sql"


def pytest_addoption(parser):
    parser.addoption("--flink-corpus", choices=("sample", "all"), default="sample",
                     help="replay corpus and function corpus on Flink: a case of each family (default), or all "
                          "(every expected row is also checked to be Flink's record of the case as it is)")


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def flights_job(project):
    return project.job(JOB)


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    """The demo's files: flights of the year, Nov-Dec flights, weather of the year (JSON Lines)."""
    return write_demo_data(tmp_path_factory.mktemp("demo-data"))


@pytest.fixture(scope="session")
def small_files(tmp_path_factory) -> dict[str, Path]:
    """Three days of November flights and the weather around them: quick to stream."""
    folder = tmp_path_factory.mktemp("small-data")
    files = {"flights": folder / "flights.jsonl", "weather": folder / "weather.jsonl"}
    write_jsonl(split_by_time(flights(), "sched_dep_time", "2013-11-01", "2013-11-04"), files["flights"])
    write_jsonl(split_by_time(weather(), "obs_time", "2013-10-31", "2013-11-05"), files["weather"])
    return files


@pytest.fixture(scope="session")
def flink_engine(project):
    """One FlinkEngine (one JVM, one TableEnvironment) shared by every Flink test."""
    from streamscore.engines.flink import FlinkEngine

    engine = FlinkEngine(project)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    from streamscore.kafka.broker import LocalBroker, free_port

    local = LocalBroker(free_port(), tmp_path_factory.mktemp("broker")).start()
    yield local
    local.stop()


@pytest.fixture
def project_copy(tmp_path) -> Project:
    """A copy of the example project to change freely (sql/, udfs/, connectors/)."""
    for folder in ("sql", "udfs", "connectors"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return Project(tmp_path)
