"""``streamscore sql``: Flink's own SQL client with the project loaded.

The client runs embedded (its JVM runs the queries in-process: ``execution.target: local``) or against a
cluster's REST endpoint. Before the prompt (or the ``-f`` script) an init script creates what ``run``
would: the project's tables, their Kafka options merged from the profile, its models (CREATE MODEL ...
'provider' = 'lightgbm', scored by streamscore's jar on the classpath) and, given a job, the job's views.
PyFlink's distribution lacks the SQL gateway jar the client needs; ``python -m streamscore.vendor`` adds
it from Maven Central (jvm/sql-client).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from streamscore.errors import ConfigError, SetupError
from streamscore.sql.statements import Job

CLIENT_MAIN = "org.apache.flink.table.client.SqlClient"


def init_script(project, job: Job, profile, job_views: bool, python_files: Path) -> str:
    """The statements that give the client the project as ``run`` sees it: settings, tables (Kafka options
    from the profile), functions, models and, with ``job_views``, the job's views. A model function typed at
    the prompt runs as a Python UDF; in the job's views it is scored in the JVM, as ``run`` scores it."""
    from streamscore.engines.flink import (JVM_MODEL_FUNCTION_SQL, JVM_SCORER_FUNCTION_SQL, MONITORING_FUNCTIONS_SQL,
                                           jvm_model_specs, runnable_text, with_options)
    from streamscore.models.checks import check_job_models, resolve_declared_model
    from streamscore.sql.rewrites import merged_by_flink

    project.import_udfs()
    check_job_models(job)  # a broken model fails here, not at the first query
    statements = [f"SET 'streamscore.project-root' = '{project.root}'",
                  f"SET 'pipeline.global-job-parameters' = 'streamscore.project-root:{project.root}'",
                  # rows printed as they come: the result mode a script (-f) and any terminal can show
                  "SET 'sql-client.execution.result-mode' = 'tableau'",
                  # Python UDFs run in this venv's Python, importing the project's udfs/ as `run` ships it
                  f"SET 'python.executable' = '{sys.executable}'",
                  f"SET 'python.client.executable' = '{sys.executable}'",
                  f"SET 'python.files' = '{python_files}'",
                  *MONITORING_FUNCTIONS_SQL]
    for table in job.tables.values():
        options = dict(table.options)
        if options.get("connector") in ("kafka", "upsert-kafka") and profile is not None:
            options = profile.kafka_options(table.name, options)
        statements.append(with_options(table, options))
    statements += [f.statement.text for f in job.functions.values()]
    jvm_models = jvm_model_specs(job) if job_views else {}
    if jvm_models:
        statements.append(JVM_MODEL_FUNCTION_SQL)
    for model in job.models.values():
        resolve_declared_model(project.root, model)
        statements.append(model.statement.text)
    merged = job_views and merged_by_flink(job)
    if merged:
        statements.append(JVM_SCORER_FUNCTION_SQL)
    if job_views:
        statements += [runnable_text(job, view.statement, project.root, jvm_models, merged)
                       for view in job.views.values()]
    # a statement ending in a -- comment would hide its semicolon
    return "".join(text.strip().rstrip(";") + "\n;\n\n" for text in statements)


def client_command(folder: Path, init: Path, script: Path | None, history: Path) -> list[str]:
    """java ... SqlClient embedded: Flink's jars, the client and gateway, streamscore's jars."""
    from streamscore.cluster import JAVA_OPTIONS, flink_home
    from streamscore.vendor import flink_jars, sql_client_jars

    home = flink_home()
    classpath = [str(home / "lib" / "*"), *map(str, sorted((home / "opt").glob("flink-python*.jar"))),
                 *map(str, sorted((home / "opt").glob("flink-sql-client*.jar"))),
                 *map(str, sql_client_jars()), *map(str, flink_jars())]
    command = ["java", *JAVA_OPTIONS.split(), f"-Dlog.file={folder / 'client.log'}",
               f"-Dlog4j.configurationFile=file:{folder / 'conf' / 'log4j-cli.properties'}",
               "-classpath", os.pathsep.join(classpath), CLIENT_MAIN, "embedded", "--init", str(init),
               "--history", str(history)]
    return command + (["--file", str(script)] if script else [])


def client_config(cluster_url: str | None) -> str:
    """config.yaml of the client's session: in-process, or a cluster's REST endpoint."""
    from streamscore.cluster import config_yaml

    if cluster_url is None:
        settings = {"execution.target": "local", "rest.address": "127.0.0.1", "rest.bind-address": "127.0.0.1"}
    else:
        from urllib.parse import urlparse

        url = urlparse(cluster_url)
        if not url.hostname or not url.port:
            raise ConfigError(f"--cluster {cluster_url!r}: expected http://HOST:PORT")
        settings = {"execution.target": "remote", "rest.address": url.hostname, "rest.port": url.port}
    return config_yaml(settings)


def start(project, job: Job, profile, job_views: bool, script: Path | None, cluster_url: str | None) -> int:
    """Run the client in the foreground (the terminal is the user's) and return its exit code."""
    from streamscore.cluster import flink_home
    from streamscore.engines.flink import stage_python

    if script is not None and not script.exists():
        raise ConfigError(f"SQL script {script} does not exist")
    folder = project.root / ".streamscore" / "sql-client"
    conf = folder / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "config.yaml").write_text(client_config(cluster_url))
    log_config = flink_home() / "conf" / "log4j-cli.properties"
    (conf / "log4j-cli.properties").write_text(log_config.read_text())
    init = folder / "init.sql"
    python = stage_python(project.root, folder / "python")
    init.write_text(init_script(project, job, profile, job_views, python))
    env = {**os.environ, "FLINK_CONF_DIR": str(conf)}
    print(f"sql: Flink SQL client, {'embedded' if cluster_url is None else cluster_url}; "
          f"{len(job.tables)} table(s), {len(job.models)} model(s)"
          + (f", {len(job.views)} view(s) of {job.name}" if job_views else "")
          + f" created by {init}; log {folder / 'client.log'}", file=sys.stderr)
    command = client_command(folder, init, script, folder / "history")
    try:
        if script is None:  # the prompt: the terminal is the user's
            return subprocess.run(command, env=env, cwd=project.root).returncode
        return _run_script(command, env, project.root)
    except FileNotFoundError:
        raise SetupError("no `java` on PATH: Flink's SQL client needs a Java 17 runtime") from None


SCRIPT_ERROR = "[ERROR] Could not execute SQL statement"


def _run_script(command: list[str], env: dict, cwd: Path) -> int:
    """The client's output passed through; exit code 1 when a statement failed (the client stops at the
    first failing statement of a script but exits 0, which would hide it from CI)."""
    failed = False
    with subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace") as client:
        for line in client.stdout:
            sys.stdout.write(line)
            failed = failed or SCRIPT_ERROR in line
    return client.returncode or (1 if failed else 0)
