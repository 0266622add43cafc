"""Replay test cases that follow the job: a case naming the project's job (case.toml) and inline cases (a
TOML file with a few rows per source and the expected rows), on a project made by `init`, on DuckDB and on
Flink; a failure names the row and the column."""

import pytest

from streamscore.cases import InlineCase, discover, run_case
from streamscore.cli import main
from streamscore.engines.duckdb import DuckDBEngine
from streamscore.errors import ConfigError
from streamscore.project import Project


@pytest.fixture
def shop(tmp_path):
    root = tmp_path / "shop"
    assert main(["init", str(root)]) == 0
    return root


def test_cases_of_the_project_job_pass_and_follow_it(shop, capsys):
    assert main(["--project", str(shop), "test", "--no-check"]) == 0
    out = capsys.readouterr().out
    assert "ok   duckdb example " in out and "ok   duckdb example_inline " in out
    # The cases read sql/jobs/example.sql itself: a change there is what they test.
    job = shop / "sql" / "jobs" / "example.sql"
    job.write_text(job.read_text().replace("SUM(amount)", "SUM(amount) + 1"))
    assert main(["--project", str(shop), "test", "--no-check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL duckdb example " in out and "FAIL duckdb example_inline " in out


def test_inline_failure_names_the_row_and_the_column(shop, capsys):
    inline = shop / "tests" / "replay" / "example_inline.toml"
    inline.write_text(inline.read_text().replace("total = 30.5", "total = 35.0", 1))
    assert main(["--project", str(shop), "test", str(inline), "--no-check"]) == 1
    out = capsys.readouterr().out
    assert ("customer_minutes row (customer='ana', window_start=2024-01-15 09:00:00, orders=2): "
            "total expected 35.0, got 30.5") in out


def test_inline_case_on_flink(shop, flink_engine, tmp_path):
    (case,) = discover(shop / "tests" / "replay" / "example_inline.toml")
    assert isinstance(case, InlineCase)
    result = run_case(case, flink_engine, tmp_path / "flink")
    assert result.passed, (result.error, result.diffs)
    assert [d.left_rows for d in result.diffs] == [3]


def test_inline_columns_named_are_compared(shop, tmp_path):
    """Only the sinks and the columns the expected rows name are compared."""
    inline = shop / "tests" / "replay" / "partial.toml"
    inline.write_text('job = "sql/jobs/example.sql"\n'
                      '[[given.orders]]\norder_id = 1\ncustomer = "ana"\namount = 2.0\nts = 2024-01-15T09:00:05\n'
                      '[[given.orders]]\norder_id = 2\ncustomer = "ana"\namount = 3.0\nts = 2024-01-15T09:00:09\n'
                      '[[expect.customer_minutes]]\ncustomer = "ana"\norders = 2\n')
    (case,) = discover(inline)
    result = run_case(case, DuckDBEngine(Project(shop)), tmp_path / "duckdb")
    assert result.passed, (result.error, result.diffs)
    inline.write_text(inline.read_text().replace("orders = 2", "orders = 3"))
    assert not run_case(case, DuckDBEngine(Project(shop)), tmp_path / "again").passed


@pytest.mark.parametrize("spec, message", [
    ('job = "sql/jobs/example.sql"\n[[given.orders]]\norder_id = 1\n', "no [[expect.<sink>]] rows"),
    ('job = "sql/jobs/example.sql"\n[[given.payments]]\nid = 1\n[[expect.customer_minutes]]\ncustomer = "a"\n',
     "[given] names payments, not a source of example"),
    ('job = "sql/jobs/example.sql"\n[[expect.scores]]\nx = 1\n', "[expect] names scores, not a sink of example"),
    ('job = "sql/jobs/example.sql"\n[[expect.customer_minutes]]\nclient = "a"\n',
     "expect.customer_minutes names client, not a column of customer_minutes"),
    ('job = "sql/jobs/nope.sql"\n[[expect.customer_minutes]]\ncustomer = "a"\n', "job sql/jobs/nope.sql does not exist"),
    ('[[expect.customer_minutes]]\ncustomer = "a"\n', "name the job it tests"),
    ('job = "sql/jobs/example.sql"\nexpect = "customer_minutes"\n', "`expect` holds rows per table"),
    ('job = "sql/jobs/example.sql"\ngiven = {orders = 1}\n[[expect.customer_minutes]]\ncustomer = "a"\n',
     "`given` holds rows per table"),
])
def test_inline_case_mistakes_are_named(shop, tmp_path, spec, message):
    inline = shop / "tests" / "replay" / "broken.toml"
    inline.write_text(spec)
    (case,) = discover(inline)
    result = run_case(case, DuckDBEngine(Project(shop)), tmp_path / "duckdb")
    assert message in result.error
    assert not result.passed


def test_a_case_file_error_is_a_config_error(shop):
    inline = shop / "tests" / "replay" / "broken.toml"
    inline.write_text("job = \n")
    (case,) = discover(inline)
    with pytest.raises(ConfigError, match="broken.toml"):
        case.job()


def test_a_case_path_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no replay case at .*nope.toml: no such file or folder"):
        discover(tmp_path / "nope.toml")
