"""The `streamscore` command: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
from pathlib import Path

from streamscore.config import is_kafka_table, redact
from streamscore.errors import ConfigError, StreamscoreError


def _project(args):
    from streamscore.project import Project

    return Project.find(args.project or Path.cwd())


def _profile(project, args):
    """The --profile, with --bootstrap-servers applied when given."""
    profile = project.profile(args.profile)
    if args.bootstrap_servers:
        profile = dataclasses.replace(profile, bootstrap_servers=args.bootstrap_servers)
    return profile


def _job_and_inputs(args):
    from streamscore.replay import parse_inputs, resolve_inputs
    from streamscore.sql.clock import with_clock

    project = _project(args)
    job = with_clock(project.job(args.job), project.replay_clock(getattr(args, "clock", None)))
    return project, job, resolve_inputs(project, job, parse_inputs(args.input),
                                        kafka_profile=getattr(args, "profile", "local"),
                                        log=lambda m: print(m, file=sys.stderr))


def _history_options(args) -> dict:
    """replay()'s options for reading inputs: --no-cache, --memory-limit, progress on stderr."""
    from streamscore.history import Progress

    return {"use_cache": not args.no_cache, "memory_limit": args.memory_limit, "progress": Progress()}


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _streaming_job(args):
    """(project, job, profile) for `run` and `submit`: the profile with --bootstrap-servers applied, and
    for the local profile the local broker started (with the job's topics) when it is not running."""
    from streamscore.kafka.client import use_profile

    project = _project(args)
    job = project.job(args.job)
    profile = _profile(project, args)
    use_profile(profile)
    if profile.local_broker:
        from streamscore.kafka.broker import ensure_local_broker

        topics = [profile.kafka_options(t.name, t.options)["topic"] for t in [*job.sources, *job.sinks]
                  if is_kafka_table(t)]
        ensure_local_broker(profile, project.root / ".streamscore", topics)
    return project, job, profile


def cmd_run(args) -> int:
    from streamscore.engines.flink import FlinkEngine, latest_state

    project, job, profile = _streaming_job(args)
    if not args.from_savepoint:
        _fresh_sinks(job, profile, args.reset_sinks)
    engine = FlinkEngine(project, {"parallelism.default": str(args.parallelism)})
    restore_from = None
    if args.from_savepoint == "latest":
        restore_from = latest_state(engine.state_dir(job))
        if restore_from is None:
            raise ConfigError(f"no checkpoint or savepoint of {job.name} under {engine.state_dir(job)}")
    elif args.from_savepoint:
        restore_from = Path(args.from_savepoint)
    # `kill PID` stops the job like Ctrl-C does: with a savepoint. Ctrl-C's handler is set here too: a
    # process started in the background by a shell without job control inherits SIGINT ignored, and
    # Python then leaves it ignored (seen: the crash test's Ctrl-C did nothing under such a CI shell).
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        result = engine.run(job, profile, bounded=args.bounded, max_records=args.max_records,
                            idle_timeout=args.idle_timeout, delivery=args.delivery,
                            checkpoint_interval=args.checkpoint_interval, restore_from=restore_from,
                            metrics_interval=args.metrics_interval or None,
                            latency_key=None if args.latency_key == "none" else args.latency_key,
                            prometheus_port=None if args.prometheus_port < 0 else args.prometheus_port)
    finally:
        engine.close()
    if result.end_offsets:  # what a bounded run read: `verify --kafka` replays exactly that
        record = FlinkEngine.last_run_file(project, job)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"job_id": result.job_id, "sources": result.end_offsets}))
    print(f"job {result.job_id} {result.status} after {result.seconds:.1f}s")
    return 0


def _fresh_sinks(job, profile, reset: bool) -> None:
    """A new run appends to its sink topics: say so when they already hold records (a downstream reader
    would see both runs), or empty them first (``--reset-sinks``)."""
    from streamscore.kafka.client import end_offsets, reset_topics
    from streamscore.replay import kafka_topic

    topics = [t for t in (kafka_topic(profile, sink) for sink in job.sinks) if t]
    if reset:
        reset_topics(profile.bootstrap_servers, topics, profile.partitions)
        print(f"sink topics emptied: {', '.join(topics)}", file=sys.stderr)
        return
    for topic in topics:
        held = sum(end_offsets(profile.bootstrap_servers, topic).values())
        if held:
            print(f"warning: sink topic {topic} already holds {held:,} records (an earlier run?): this run appends "
                  "to them and a reader sees both; --reset-sinks empties the job's sink topics first", file=sys.stderr)


def _checked(project, job, args) -> None:
    """Flink plans the job before a replay of it is trusted (``--no-check`` skips it)."""
    from streamscore.replay import FlinkCheck

    if args.no_check:
        return
    check = FlinkCheck(project, args.profile)
    try:
        check(job)
    finally:
        check.close()
    print(f"flink: planned {job.path.name} (nothing run)", file=sys.stderr)


def cmd_check(args) -> int:
    from streamscore.replay import FlinkCheck

    project = _project(args)
    check = FlinkCheck(project, args.profile)
    failed = 0
    try:
        for path in args.jobs:
            try:
                job = project.job(path)
                plan = check(job)
            except StreamscoreError as error:
                failed += 1
                print(f"FAIL {path}: {redact(str(error))}")
                continue
            print(f"ok   {path}: Flink planned {len(job.inserts)} INSERT(s)"
                  + (f"; the replay cannot: {len(job.unparsed)} statement(s) only Flink reads" if job.unparsed else ""))
            if args.plan:
                print(plan)
    finally:
        check.close()
    return 1 if failed else 0


def cmd_replay(args) -> int:
    from streamscore.replay import replay

    project, job, inputs = _job_and_inputs(args)
    if args.engine == "duckdb":  # a Flink replay is planned by Flink anyway
        _checked(project, job, args)
    output = Path(args.output or project.build_dir / "replay" / job.name / args.engine)
    if args.drop_late and args.keep_late:
        raise ConfigError("--drop-late or --keep-late, not both")
    result = replay(project, job, inputs, output, args.engine, drop_late=args.drop_late, keep_late=args.keep_late,
                    **_history_options(args))
    for source, late in result.late_rows.items():
        if late:
            print(f"{source}: {late:,} late rows (at or behind the watermark on arrival), "
                  + ("dropped" if args.drop_late else "kept" if args.keep_late else "decided per operator as Flink's"))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.late_dropped:
        print("late rows dropped: " + ", ".join(f"{kind} {n:,}" for kind, n in sorted(result.late_dropped.items())))
    for source, count in result.dead_letters.items():
        print(f"{source}: {count:,} records are not rows (as `run` would dead-letter them) -> "
              f"{result.dead_letters_file}")
    for sink, path in result.sinks.items():
        print(f"{sink}: {result.rows[sink]:,} rows -> {path}")
    print(f"{args.engine} replay took {result.seconds:.1f}s")
    return 0


def _verify_kafka(args) -> int:
    """What a `run` wrote to the job's sink topics against the replay over what it read (or --input files)."""
    from streamscore.engines.flink import FlinkEngine
    from streamscore.replay import (format_diff, parse_inputs, resolve_inputs, source_files_from_topics,
                                    verify_written)

    project, job, profile = _streaming_job(args)
    _checked(project, job, args)
    base = Path(args.output or project.build_dir / "verify" / job.name / "kafka")
    given = parse_inputs(args.input)
    run_record = FlinkEngine.last_run_file(project, job)
    ends = {table: {int(p): end for p, end in offsets.items()}  # JSON keys are text
            for table, offsets in json.loads(run_record.read_text())["sources"].items()} if run_record.exists() else None
    print(f"sources: up to the offsets {'the last bounded run read' if ends else 'each partition ends at now'}",
          file=sys.stderr)
    inputs = source_files_from_topics(profile, job, base / "inputs", ends, log=lambda m: print(m, file=sys.stderr))
    # --input, and sources that are not Kafka tables: inputs as for any replay
    inputs.update(resolve_inputs(project, job, given, tables=[t for t in job.sources if t.name in given
                                                             or t.name not in inputs], kafka_profile=args.profile))
    diffs = verify_written(project, job, profile, inputs, base / "replay", args.tolerance)
    for diff in diffs:
        print(format_diff(diff, "replay", "kafka"))
    return 0 if all(d.equal for d in diffs) else 1


def cmd_verify(args) -> int:
    from streamscore.replay import compare_results, format_diff, replay

    if args.kafka:
        return _verify_kafka(args)
    project, job, inputs = _job_and_inputs(args)
    _checked(project, job, args)  # before either replay: Flink's rejection, not a DuckDB result, comes first
    base = Path(args.output or project.build_dir / "verify" / job.name)
    results = {}
    for engine in ("duckdb", "flink"):
        results[engine] = replay(project, job, inputs, base / engine, engine, **_history_options(args))
        print(f"{engine}: {results[engine].seconds:.1f}s", file=sys.stderr)
    diffs = compare_results(results["flink"], results["duckdb"], args.tolerance)
    for diff in diffs:
        print(format_diff(diff, "flink", "duckdb"))
    return 0 if all(d.equal for d in diffs) else 1


def cmd_translate(args) -> int:
    from streamscore.engines.duckdb import DuckDBEngine
    from streamscore.replay import parse_inputs
    from streamscore.sql.clock import with_clock

    project = _project(args)
    job = with_clock(project.job(args.job), project.replay_clock(args.clock))
    for statement in DuckDBEngine(project).translate(job, parse_inputs(args.input)):
        print(statement + ";\n")
    return 0


def cmd_train(args) -> int:
    from streamscore.models.train import TrainSpec, train

    project, job, inputs = _job_and_inputs(args)
    spec = TrainSpec(Path(args.query), args.label, args.time_column, args.valid_from, Path(args.output),
                     rounds=args.rounds, version=args.model_version)
    train(project, job.path, inputs, spec)
    return 0


def cmd_refit(args) -> int:
    from streamscore.models.train import RefitSpec, refit

    project, job, inputs = _job_and_inputs(args)
    report = refit(project, job.path, inputs, RefitSpec(Path(args.query), args.label, args.time_column,
                                                       Path(args.model), args.days, args.eval_days,
                                                       Path(args.challenger) if args.challenger else None,
                                                       args.until))
    print(json.dumps(report))
    return 0


def cmd_evaluate(args) -> int:
    from streamscore.models.evaluate import evaluate
    from streamscore.replay import replay

    project, job, inputs = _job_and_inputs(args)
    if args.sink not in {s.name for s in job.sinks}:
        raise StreamscoreError(f"{args.sink!r} is not a sink of {job.path.name} "
                               f"(sinks: {', '.join(s.name for s in job.sinks)})")
    output = Path(args.output or project.build_dir / "evaluate" / job.name)
    result = replay(project, job, inputs, output, args.engine)
    rows = evaluate(result.sinks[args.sink], args.score, args.label, args.by)
    if args.json:
        print(json.dumps(rows))
        return 0
    key = args.by or "group"
    print(f"{'score':<18} {key:<10} {'rows':>8} {'pos.rate':>9} {'AUC':>7} {'logloss':>8} {'RMSE':>7}")
    for r in rows:
        auc_text = f"{r['auc']:.4f}" if r["auc"] is not None else "-"
        print(f"{r['score']:<18} {str(r[key]):<10} {r['rows']:>8,} {r['positive_rate']:>9.4f} {auc_text:>7} "
              f"{r['log_loss']:>8.4f} {r['rmse']:>7.4f}")
    return 0


def cmd_promote(args) -> int:
    from streamscore.models.train import promote, promote_challenger

    if (args.version is None) == (args.challenger is None):
        raise StreamscoreError("promote takes --version V (an archived version) or --challenger PATH")
    metadata = promote(Path(args.model), args.version) if args.version else \
        promote_challenger(Path(args.model), Path(args.challenger))
    print(f"{args.model}: version {metadata.version} is live (running jobs reload it)")
    return 0


def cmd_init(args) -> int:
    from streamscore.scaffold import init_project

    root = init_project(Path(args.folder), example=args.example)
    if args.example == "fraud":
        print(f"""next, in {root}:
  streamscore replay sql/jobs/fraud_alerts.sql     # the job over data/*.jsonl, on DuckDB
  streamscore test                                 # the job's test case in tests/replay
  streamscore produce card_updates --from data/card_updates.jsonl && \\
    streamscore produce payments --from data/payments.jsonl && \\
    streamscore run sql/jobs/fraud_alerts.sql --bounded && streamscore verify sql/jobs/fraud_alerts.sql --kafka""")
        return 0
    print(f"""next, in {root}:
  streamscore replay sql/jobs/example.sql          # the job over data/orders.jsonl, on DuckDB
  streamscore test                                 # the test cases in tests/replay (the job's, an inline one)
  streamscore explore --sql "SELECT * FROM orders LIMIT 5"
  streamscore produce orders --from data/orders.jsonl && streamscore run sql/jobs/example.sql --bounded""")
    return 0


def cmd_model(args) -> int:
    from streamscore.models.train import import_model

    project = _project(args)
    source = Path(args.file)
    name = args.name or source.stem
    output = project.root / "udfs" / "models" / name
    metadata = import_model(source, output, Path(args.data) if args.data else None)
    print(f"{output.relative_to(project.root)}: version {metadata.version} of {source.name} "
          f"({len(metadata.features)} features: {', '.join(metadata.feature_names)}; objective {metadata.objective})")
    print(f"use it: CREATE MODEL {name} INPUT (...) OUTPUT (score DOUBLE) WITH ('provider' = 'lightgbm', "
          f"'path' = 'udfs/models/{name}')")
    return 0


def cmd_produce(args) -> int:
    from streamscore.kafka.client import ensure_topics, print_progress, produce_jsonl, use_profile

    project = _project(args)
    profile = _profile(project, args)
    use_profile(profile)
    servers = profile.bootstrap_servers
    job = project.job(args.job) if args.job else project.tables_job()
    if args.table not in job.tables:
        raise StreamscoreError(f"unknown table {args.table!r} (tables: {', '.join(job.tables)})")
    options = profile.kafka_options(args.table, job.tables[args.table].options)
    topic = options["topic"]
    if profile.local_broker:
        from streamscore.kafka.broker import ensure_local_broker

        ensure_local_broker(profile, project.root / ".streamscore", [])
    ensure_topics(servers, [topic], partitions=args.partitions or profile.partitions)
    path = Path(args.source)
    if not path.exists() and (project.root / path).exists():
        path = project.root / path  # relative to the project, as job files are
    if not path.exists():
        raise ConfigError(f"--from {args.source}: no such file")
    total = sum(1 for _ in path.open("rb"))
    sent = produce_jsonl(servers, topic, path, key_field=args.key, rate=args.rate,
                         progress=print_progress(f"produce {topic}", total),
                         time_field=job.tables[args.table].rowtime, speedup=args.speedup)
    print(f"{sent:,} records -> {topic} on {servers}")
    return 0


def cmd_broker(args) -> int:
    from streamscore.kafka.broker import BrokerService

    service = BrokerService(_project(args).root / ".streamscore")
    if args.action == "start":
        broker = service.start(args.port)
        print(f"broker running: pid {broker.pid}, bootstrap servers {broker.bootstrap_servers} "
              f"(Apache Kafka, ready in {broker.start_seconds:.1f}s; data in {broker.folder})")
    elif args.action == "stop":
        print("broker stopped" if service.stop() else "no broker running")
    else:
        running = service.status()
        print(f"broker running: pid {running[0]}, 127.0.0.1:{running[1]}" if running else "no broker running")
        return 0 if running else 3
    return 0


def cmd_sql(args) -> int:
    """Flink's SQL client with the project loaded (its tables, models and, given a job, the job's views)."""
    from streamscore import sqlclient

    project = _project(args)
    profile = _profile(project, args)
    job = project.job(args.job) if args.job else project.tables_job()
    cluster = None if args.cluster is None else _cluster_url(args)
    return sqlclient.start(project, job, profile, job_views=bool(args.job),
                           script=Path(args.file).resolve() if args.file else None, cluster_url=cluster)


def cmd_topics(args) -> int:
    """The project's Kafka tables and their topics: list them with record counts, show a topic's last records
    decoded as its table declares them, or empty topics (a clean rerun)."""
    from streamscore.kafka.client import end_offsets, last_messages, list_topics, offset_ranges, reset_topics, use_profile
    from streamscore.replay import kafka_topic

    project = _project(args)
    profile = _profile(project, args)
    use_profile(profile)
    tables = project.tables_job().tables
    topics = {name: kafka_topic(profile, table) for name, table in tables.items() if kafka_topic(profile, table)}
    unknown = [t for t in args.tables if t not in topics]
    if unknown:
        raise ConfigError(f"not a Kafka table under profile {profile.name!r}: {', '.join(unknown)} "
                          f"(Kafka tables: {', '.join(sorted(topics)) or 'none'})")
    bootstrap = profile.bootstrap_servers
    if args.action == "list":
        existing = set(list_topics(bootstrap))
        by_topic = {}
        for name, topic in topics.items():
            by_topic.setdefault(topic, []).append(name)
        print(f"{'topic':32} {'records':>10}  end offsets      tables")
        for topic in sorted(existing | set(by_topic)):
            if topic not in existing:
                print(f"{topic:32} {'(missing)':>10}  {'':16} {', '.join(by_topic[topic])}")
                continue
            ranges = offset_ranges(bootstrap, topic)
            records = sum(end - low for low, end in ranges.values())
            ends = ",".join(f"{p}:{end}" for p, (_, end) in sorted(ranges.items()))
            print(f"{topic:32} {records:>10,}  {ends:16} {', '.join(by_topic.get(topic, []))}")
    elif args.action == "tail":
        if len(args.tables) != 1:
            raise ConfigError("topics tail takes one TABLE")
        _tail(tables[args.tables[0]], topics[args.tables[0]], bootstrap, args.n, last_messages)
    else:
        if not args.tables:
            raise ConfigError("topics reset takes the tables whose topics to empty")
        chosen = list(dict.fromkeys(topics[t] for t in args.tables))
        held = {t: sum(end_offsets(bootstrap, t).values()) for t in chosen if t in set(list_topics(bootstrap))}
        reset_topics(bootstrap, chosen, profile.partitions)
        for topic in chosen:
            print(f"{topic}: emptied ({held.get(topic, 0):,} records dropped)")
    return 0


def _tail(table, topic: str, bootstrap: str, count: int, last_messages) -> None:
    """The last records of a table's topic, decoded by the decoder `run` uses (dead letters shown as such)."""
    import tempfile

    import duckdb

    from streamscore.kafka import dead_letters as dl

    messages = last_messages(bootstrap, topic, count)
    if not messages:
        print(f"{topic}: no records")
        return
    guarded = dl.unguarded_reason(table) is None
    with tempfile.TemporaryDirectory(prefix="streamscore-tail-") as folder:
        raw = Path(folder) / "records.jsonl"
        raw.write_bytes(b"".join((m.value() or b"").replace(b"\n", b" ") + b"\n" for m in messages))
        if not guarded:  # not a table streamscore decodes (a sink, another format): the records as they are
            for message in messages:
                print(f"{message.partition()}:{message.offset()}  {(message.value() or b'').decode('utf-8', 'replace')}")
            return
        rows_file, _, dead = dl.decode_json_lines(table, raw, Path(folder) / "decoded")
        print(duckdb.sql(dl.decoded_rows_sql(table, rows_file)).df().to_string(index=False))
        for letter in dead:
            where = messages[letter.line - 1]
            print(f"dead letter at {where.partition()}:{where.offset()}: {letter.error}")


def cmd_classpath(args) -> int:
    from streamscore.vendor import flink_jars

    for jar in flink_jars():
        print(jar)
    return 0


def _local_cluster(project):
    """The standalone cluster `streamscore cluster up` manages for this project."""
    from streamscore.cluster import StandaloneCluster

    return StandaloneCluster(project.root / ".streamscore" / "cluster")


def _cluster_url(args) -> str:
    """--cluster, else the standalone cluster `streamscore cluster up` started for this project."""
    if args.cluster:
        return args.cluster
    state = _local_cluster(_project(args)).state()
    if state is None:
        raise ConfigError("no --cluster URL and no cluster started here (`streamscore cluster up`)")
    return state.url


def cmd_cluster(args) -> int:
    from streamscore.cluster import ClusterSpec, FlinkRest

    cluster = _local_cluster(_project(args))
    if args.action == "up":
        cluster.up(ClusterSpec(taskmanagers=args.taskmanagers, slots=args.slots,
                               taskmanager_memory=args.taskmanager_memory, state_backend=args.state_backend))
    elif args.action == "down":
        cluster.down()
    else:
        state, running = cluster.state(), cluster.running()
        if not state or not any(running.values()):
            print("no cluster running")
            return 3
        overview = FlinkRest(state.url).get("/overview")
        print(f"cluster {state.url}: {overview['taskmanagers']} TaskManager(s), {overview['slots-available']}/"
              f"{overview['slots-total']} slots free, {overview['jobs-running']} job(s) running")
        for name, alive in running.items():
            print(f"  {name:15} pid {state.pids[name]} {'running' if alive else 'EXITED'}")
    return 0


def cmd_submit(args) -> int:
    from streamscore.engines.flink import FlinkEngine

    project, job, profile = _streaming_job(args)
    url = _cluster_url(args)
    local = _local_cluster(project).state()
    # The cluster streamscore started has the Kafka connector in its lib folder; others get it with the job.
    engine = FlinkEngine(project, {"parallelism.default": str(args.parallelism)}, cluster=url,
                         ship_jars=not (local and local.url == url.rstrip("/")))
    try:
        job_id = engine.submit(job, profile, delivery=args.delivery, checkpoint_interval=args.checkpoint_interval,
                               restore_from=args.from_savepoint, checkpoint_dir=args.checkpoint_dir)
    finally:
        engine.close()
    print(f"submitted {job.name}: job {job_id}\n  web UI {url.rstrip('/')}/#/job/running/{job_id}/overview")
    return 0


def cmd_jobs(args) -> int:
    import datetime as dt

    from streamscore.cluster import FlinkRest

    url = _cluster_url(args)
    jobs = FlinkRest(url).jobs()
    if not jobs:
        print(f"no jobs on {url}")
    for job in jobs:
        started = dt.datetime.fromtimestamp(job["start-time"] / 1000).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{job['jid']}  {job['state']:10} {started}  {job['name']}")
    return 0


def cmd_cancel(args) -> int:
    from streamscore.cluster import FlinkRest

    rest = FlinkRest(_cluster_url(args))
    if args.savepoint:
        target = args.savepoint if "://" in args.savepoint else Path(args.savepoint).resolve().as_uri()
        location = rest.stop_with_savepoint(args.job_id, target)
        print(f"job {args.job_id} stopped with a savepoint: {location}\n"
              f"  resume with: streamscore submit JOB.sql --from-savepoint {location}")
    else:
        rest.cancel(args.job_id)
        print(f"job {args.job_id} {rest.wait_for_state(args.job_id, {'CANCELED', 'FAILED', 'FINISHED'})}")
    return 0


def cmd_k8s(args) -> int:
    from streamscore.cluster import flink_deployment, to_yaml

    project = _project(args)
    job = project.job(args.job)
    relative = job.path.resolve().relative_to(project.root)
    manifest = flink_deployment(job.name, str(relative), args.image, profile=args.profile, delivery=args.delivery,
                                parallelism=args.parallelism, flink_version=args.flink_version,
                                checkpoint_dir=args.checkpoint_dir)
    text = "# streamscore k8s: a FlinkDeployment for the Flink Kubernetes Operator (kubectl apply -f)\n" + \
        to_yaml(manifest) + "\n"
    output = Path(args.output or project.build_dir / "k8s" / f"{job.name}.yaml")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"wrote {output}")
    return 0


def cmd_explore(args) -> int:
    from streamscore.explore import Explorer, open_tables, prompt, statements
    from streamscore.replay import parse_inputs

    project = _project(args)
    con, job, files, tables = open_tables(project, args.job, parse_inputs(args.input), not args.no_cache,
                                          args.memory_limit, args.profile, args.clock)
    explorer = Explorer(con, job, files, tables)
    scripts = list(args.sql or []) + [Path(f).read_text() for f in args.file or []]
    if not scripts:
        prompt(explorer)
        return 0
    failed = False
    for script in scripts:
        for command in statements(script):
            output = explorer.run(command)
            failed |= output.startswith("error:")
            print(output)
    return 1 if failed else 0


def cmd_cache(args) -> int:
    """The decoded-inputs cache (.streamscore/cache): its size, or clear it."""
    from streamscore import history

    project = _project(args)
    if args.action == "clear":
        count, size = history.clear_cache(project.root)
        print(f"removed {count:,} files ({size / 1e6:,.1f} MB) from {project.root / history.CACHE_FOLDER}")
    elif args.action == "prune":
        count, size = history.prune_cache(project.root)
        print(f"removed {count:,} decoded inputs whose file changed or is gone ({size / 1e6:,.1f} MB)")
    else:
        count, size = history.cache_size(project.root)
        print(f"{project.root / history.CACHE_FOLDER}: {count:,} files, {size / 1e6:,.1f} MB")
    return 0


def cmd_report(args) -> int:
    from streamscore.report import ReportSpec, build_report

    project, job, inputs = _job_and_inputs(args)
    output = Path(args.output or project.build_dir / "report" / f"{job.name}.html")
    build_report(project, job, inputs, output, ReportSpec(score=args.score, label=args.label, by=args.by))
    return 0


def cmd_demo(args) -> int:
    from streamscore.demo import run_demo

    summary = run_demo(_project(args))
    return 0 if summary["replay_matches"] else 1


def cmd_demo_data(args) -> int:
    from streamscore.datasets import write_demo_data

    for name, path in write_demo_data(_project(args).root / "data").items():
        print(f"{name}: {path}")
    return 0


def cmd_test(args) -> int:
    """Replay cases (tests/replay) and the function-semantics corpus (tests/functions), or the one PATH."""
    from streamscore.semantics import is_function_corpus

    project = _project(args)
    # The engines here are made by the corpus runner: the options reach DuckDB through the environment.
    if args.memory_limit:
        os.environ["STREAMSCORE_MEMORY_LIMIT"] = args.memory_limit
    if args.no_cache:
        os.environ["STREAMSCORE_NO_CACHE"] = "1"
    paths = [Path(args.path)] if args.path else \
        [p for p in (project.root / "tests" / "replay", project.root / "tests" / "functions") if p.exists()]
    failed = 0
    for path in paths:
        run = _test_functions if is_function_corpus(path) else _test_cases
        failed += run(args, project, path)
    return 1 if failed else 0


def _test_cases(args, project, path: Path) -> int:
    import tempfile
    from collections import defaultdict

    from streamscore.cases import discover, mismatches, regenerate, run_case
    from streamscore.engines import get_engine
    from streamscore.replay import FlinkCheck, format_diff

    cases = discover(path)
    with tempfile.TemporaryDirectory() as tmp:
        if args.regenerate:
            flink = get_engine("flink", project)
            failed = 0
            for case in cases:
                try:
                    rows = regenerate(case, flink, Path(tmp) / case.name)
                except StreamscoreError as error:
                    failed += 1
                    print(f"FAIL {case.name}: {error}")
                    continue
                print(f"ok   {case.name}: " + ", ".join(f"{sink} {n} rows" for sink, n in rows.items()))
            return failed
        engines = ["duckdb", "flink"] if args.engine == "both" else [args.engine]
        failed = 0
        by_family: dict[tuple[str, str], list[bool]] = defaultdict(list)
        # A DuckDB result counts only for a job Flink plans (Flink's own runs plan it anyway).
        check = FlinkCheck(project, args.profile) if "duckdb" in engines and not args.no_check else None
        for name in engines:
            engine = get_engine(name, project)
            for case in cases:
                result = run_case(case, engine, Path(tmp) / name / case.name, args.tolerance,
                                  check if name == "duckdb" else None)
                failed += not result.passed
                by_family[name, case.family].append(result.passed)
                mark = "ok  " if result.passed else "FAIL"
                print(f"{mark} {name:6} {case.name} ({result.seconds:.1f}s)")
                if result.error:
                    print(f"     {result.error}")
                for diff in result.diffs:
                    if not diff.equal:
                        print("     " + format_diff(diff, "expected", name).replace("\n", "\n     "))
                        for line in mismatches(diff):
                            print(f"     {line}")
        if check:
            check.close()
        print(f"\nreplay cases by family ({path}):")
        for (engine_name, family), passed in sorted(by_family.items()):
            print(f"  {engine_name:6} {family:14} {len(passed):4} cases  {sum(passed):4} identical  "
                  f"{len(passed) - sum(passed):3} different")
        total = len(cases) * len(engines)
        print(f"{total - failed}/{total} passed")
    return failed


def _test_functions(args, project, corpus: Path) -> int:
    from streamscore import semantics
    from streamscore.engines import get_engine

    families = [args.family] if getattr(args, "family", None) else semantics.families(corpus)
    if args.regenerate:
        flink = get_engine("flink", project)
        for family in families:
            records = semantics.regenerate(flink, corpus, family)
            errors = sum("error" in r for r in records)
            print(f"ok   {family}: {len(records)} expressions from Flink ({errors} fail in Flink)")
        return 0
    failed = 0
    summaries = []
    if args.engine in ("duckdb", "both"):
        side = semantics.DuckDBSide(project, corpus)
        for family in families:
            summary = semantics.check_family(project, corpus, family, side)
            summaries.append(("duckdb", summary))
            for outcome in summary.outcomes:
                if outcome.verdict == "different" or (args.verbose and outcome.verdict == "refused"):
                    e = outcome.expression
                    print(f"{outcome.verdict.upper():9} {corpus / e.family}.sql:{e.line}: {e.sql}\n"
                          f"          {outcome.detail}")
            failed += summary.count("different")
        side.close()
    if args.engine in ("flink", "both"):
        flink = semantics.FlinkSide(get_engine("flink", project), corpus)
        for family in families:
            summary = semantics.check_flink_family(flink, corpus, family)
            summaries.append(("flink", summary))
            for outcome in summary.outcomes:
                if outcome.verdict == "different":
                    e = outcome.expression
                    print(f"DIFFERENT {corpus / e.family}.sql:{e.line}: {e.sql}\n          {outcome.detail}")
            failed += summary.count("different")
    print(f"\nfunction semantics by family ({corpus}):")
    for engine_name, summary in summaries:
        print(f"  {engine_name:6} {summary.line()}")
    return failed


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streamscore", description="Flink SQL + LightGBM: stream it, replay it.")
    parser.add_argument("--project", help="project folder (default: the one holding the current folder)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    def job_command(name, func, help_text):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("job", help="job file, e.g. sql/jobs/flight_delays.sql")
        p.set_defaults(func=func)
        return p

    def inputs(p):
        p.add_argument("--input", action="append", metavar="TABLE=PATH",
                       help="read this table from PATH: a file (JSON Lines, CSV, Parquet; JSON Lines and CSV also "
                            ".gz or .zst), a quoted glob ('history/*.jsonl'), a folder (Hive partition folders "
                            "fill the partition columns the table declares), or `kafka` (the table's topic: "
                            "earliest to the current end; kafka@2013-11-01T00:00:00 from that time)")
        p.add_argument("--clock", metavar="INSTANT",
                       help="the replay's clock: CURRENT_TIMESTAMP, NOW(), LOCALTIMESTAMP, CURRENT_DATE, ... read "
                            "this ISO 8601 instant (2024-03-10T10:00:00Z; default: clock in connectors/replay.toml, "
                            "else such calls are refused)")

    def history_options(p):
        p.add_argument("--no-cache", action="store_true",
                       help="decode the inputs again (not from .streamscore/cache, nor into it)")
        p.add_argument("--memory-limit", metavar="SIZE",
                       help="DuckDB's memory limit, e.g. 4GB (beyond it, work spills to .streamscore/tmp)")

    p = job_command("run", cmd_run, "stream the job on the embedded Flink mini-cluster")
    p.add_argument("--profile", default="local")
    p.add_argument("--bootstrap-servers", help="override the profile's Kafka bootstrap servers")
    p.add_argument("--bounded", action="store_true", help="read sources up to their current end, then finish")
    p.add_argument("--max-records", type=int, help="read each source partition up to N records, then finish")
    p.add_argument("--idle-timeout", type=float, metavar="SECONDS", help="stop when no new output for this long (after the first output; 60 s at least before it)")
    p.add_argument("--parallelism", type=int, default=1)
    p.add_argument("--delivery", choices=("at-least-once", "exactly-once"), default="at-least-once",
                   help="exactly-once: transactional Kafka sinks committed at each checkpoint (read them "
                        "with isolation.level=read_committed)")
    p.add_argument("--checkpoint-interval", type=float, metavar="SECONDS",
                   help="default 2 (exactly-once: the output's delay) or 10 (at-least-once)")
    p.add_argument("--prometheus-port", type=int, default=0, metavar="PORT",
                   help="serve Flink's metrics for Prometheus on this port while the job runs "
                        "(default 0: a free port, printed; -1: off)")
    p.add_argument("--metrics-interval", type=float, default=10.0, metavar="SECONDS",
                   help="print records in/out/dead-lettered, model time and latency this often (0: off)")
    p.add_argument("--latency-key", default="auto", metavar="COLUMN|auto|none",
                   help="column matching sink records to source records for end-to-end latency "
                        "(auto: an *_id column a sink shares with a source)")
    p.add_argument("--reset-sinks", action="store_true",
                   help="empty the job's sink topics before it starts (a rerun otherwise appends to them)")
    p.add_argument("--from-savepoint", metavar="PATH|latest",
                   help="start from a savepoint or checkpoint folder; `latest`: the job's newest one "
                        "(after a crash, or a stop with Ctrl-C / SIGTERM, which takes a savepoint)")

    def check_options(p):
        p.add_argument("--no-check", action="store_true",
                       help="skip Flink's planning of the job first (the check that the replay's job is one Flink runs)")
        p.add_argument("--profile", default="local", help="profile binding Kafka tables for the check (default local)")

    p = sub.add_parser("check", help="plan jobs in Flink (nothing runs): Flink's rejections at their file and line, "
                                     "ML_PREDICT columns against the models' INPUT types")
    p.add_argument("jobs", nargs="+", metavar="JOB", help="job files (one JVM checks them all)")
    p.add_argument("--profile", default="local", help="profile binding Kafka tables (no broker is contacted)")
    p.add_argument("--plan", action="store_true", help="print Flink's plan of each job")
    p.set_defaults(func=cmd_check)

    p = job_command("replay", cmd_replay, "run the job over files and write every sink as Parquet")
    inputs(p)
    history_options(p)
    check_options(p)
    p.add_argument("--output", help="folder for <sink>.parquet (default build/replay/<job>/<engine>)")
    p.add_argument("--engine", choices=("duckdb", "flink"), default="duckdb")
    p.add_argument("--drop-late", action="store_true",
                   help="DuckDB: drop every row behind its source's watermark at the source")
    p.add_argument("--keep-late", action="store_true",
                   help="DuckDB: keep every row behind its source's watermark (without either flag, a job whose "
                        "windows, OVER, joins or sorts would drop some of them is refused: Flink decides per operator)")

    p = job_command("verify", cmd_verify, "replay on DuckDB and Flink and compare every sink; --kafka: "
                                           "compare what a run wrote to the sink topics with the replay")
    inputs(p)
    history_options(p)
    check_options(p)
    p.add_argument("--kafka", action="store_true",
                   help="read the job's sink topics (committed records, upsert-kafka per key) and compare them with "
                        "the DuckDB replay over the source topics' records up to the offsets the last bounded run "
                        "read (or each partition's end now; --input files instead)")
    p.add_argument("--bootstrap-servers", help="override the profile's Kafka bootstrap servers")
    p.add_argument("--output")
    p.add_argument("--tolerance", type=float, default=1e-9, help="for float columns (default 1e-9)")

    p = job_command("translate", cmd_translate, "print the DuckDB SQL the job becomes")
    inputs(p)

    p = sub.add_parser("test", help="run replay test cases and the function-semantics corpus against Flink's results")
    p.add_argument("path", nargs="?", help="a case folder, a corpus of them, or a function corpus "
                                           "(default: tests/replay and tests/functions)")
    p.add_argument("--engine", choices=("duckdb", "flink", "both"), default="duckdb")
    p.add_argument("--tolerance", type=float, default=1e-9, help="for float columns (default 1e-9)")
    check_options(p)
    history_options(p)
    p.add_argument("--regenerate", action="store_true", help="rewrite expected rows from Flink (the oracle)")
    p.add_argument("--family", help="function corpus: only this family (file name without .sql)")
    p.add_argument("--verbose", action="store_true", help="function corpus: show refused expressions too")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("train", help="train a LightGBM model from a feature query run on DuckDB")
    p.add_argument("query", help="SQL file: feature columns, the label and the time column")
    p.add_argument("--job", required=True, help="job whose tables and views the query reads")
    inputs(p)
    p.add_argument("--label", required=True)
    p.add_argument("--time-column", required=True)
    p.add_argument("--valid-from", required=True, help="rows at or after this time validate")
    p.add_argument("--output", required=True, help="model path without suffix (writes .txt and .json)")
    p.add_argument("--rounds", type=int, default=400)
    p.add_argument("--model-version", default="1", help="written to the model's metadata (default 1)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("refit", help="retrain a live model on recent history; promote it only if it beats the "
                                     "live one on the latest days")
    p.add_argument("query", help="the SQL file the model was trained with (feature columns, label, time)")
    p.add_argument("--job", required=True, help="job whose tables and views the query reads")
    inputs(p)
    p.add_argument("--model", required=True, help="the live model, e.g. udfs/models/delay_risk")
    p.add_argument("--label", required=True)
    p.add_argument("--time-column", required=True)
    p.add_argument("--days", type=int, default=60, help="days of history to train on (default 60)")
    p.add_argument("--eval-days", type=int, default=7,
                   help="the latest days, where both models are compared (default 7)")
    p.add_argument("--challenger", help="write the candidate to this model path (to score in shadow beside the "
                                        "live one) instead of promoting it")
    p.add_argument("--until", help="the history ends at this date (default: the inputs' last day)")
    p.set_defaults(func=cmd_refit)

    p = job_command("evaluate", cmd_evaluate, "model quality (AUC, log loss, RMSE) on a replay's sink")
    inputs(p)
    p.add_argument("--sink", required=True)
    p.add_argument("--score", action="append", required=True, help="score column (repeat to compare models)")
    p.add_argument("--label", required=True, help="SQL over the sink's columns, e.g. 'arr_delay >= 15'")
    p.add_argument("--by", help="a column to group by, e.g. the model version")
    p.add_argument("--engine", choices=("duckdb", "flink"), default="duckdb")
    p.add_argument("--output")
    p.add_argument("--json", action="store_true", help="print JSON rows")

    p = sub.add_parser("init", help="start a new project in an empty folder (sources, a job, profiles, a test)")
    p.add_argument("folder")
    p.add_argument("--example", choices=("orders", "fraud"), default="orders",
                   help="orders: one table, a windowed job (default); fraud: card payments with nested baskets, "
                        "a card reference table, MATCH_RECOGNIZE")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("model", help="models trained anywhere: `model import FILE [--name N]`")
    p.add_argument("action", choices=("import",))
    p.add_argument("file", help="a LightGBM model file (text format, as Booster.save_model writes it)")
    p.add_argument("--name", help="the model's name under udfs/models (default: the file's name)")
    p.add_argument("--data", help="JSON Lines of the rows it was trained on: their distribution is kept for "
                                  "drift (STREAMSCORE_PSI)")
    p.set_defaults(func=cmd_model)

    p = sub.add_parser("promote", help="make an archived model version the live one")
    p.add_argument("model", help="model path without suffix, e.g. udfs/models/delay_risk")
    p.add_argument("--version", help="an archived version of the model")
    p.add_argument("--challenger", help="a challenger model (from `refit --challenger`): its files become the "
                                        "model's next version")
    p.set_defaults(func=cmd_promote)

    p = sub.add_parser("produce", help="send a JSON Lines file into a table's Kafka topic")
    p.add_argument("table")
    p.add_argument("--from", dest="source", required=True, metavar="FILE")
    p.add_argument("--job", help="job declaring the table (default: the tables of sql/*.sql)")
    p.add_argument("--profile", default="local")
    p.add_argument("--bootstrap-servers")
    p.add_argument("--key", help="field to key records by")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=float, help="records per second")
    pace.add_argument("--speedup", type=float, help="at X times the pace of the table's event time")
    pace.add_argument("--max", action="store_true", help="as fast as the broker takes them (the default)")
    p.add_argument("--partitions", type=int, help="for topics this creates (default: the profile's)")
    p.set_defaults(func=cmd_produce)

    p = sub.add_parser("broker", help="the local Apache Kafka broker (KRaft, 127.0.0.1)")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.add_argument("--port", type=int, default=9092)
    p.set_defaults(func=cmd_broker)

    p = sub.add_parser("topics", help="the project's Kafka topics: list (records, end offsets, tables), "
                                      "tail TABLE (last records decoded as declared), reset TABLE... (empty them)")
    p.add_argument("action", nargs="?", choices=("list", "tail", "reset"), default="list")
    p.add_argument("tables", nargs="*", metavar="TABLE")
    p.add_argument("-n", type=int, default=10, help="tail: how many of the last records (default 10)")
    p.add_argument("--profile", default="local")
    p.add_argument("--bootstrap-servers", help="override the profile's Kafka bootstrap servers")
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("sql", help="Flink's SQL client (embedded, or on a cluster) with the project's tables, "
                                   "models and, given a job, its views created; -f runs a script")
    p.add_argument("job", nargs="?", help="a job file: its views are created too")
    p.add_argument("-f", "--file", metavar="SCRIPT", help="run this SQL script and exit (default: a prompt)")
    p.add_argument("--profile", default="local")
    p.add_argument("--bootstrap-servers", help="override the profile's Kafka bootstrap servers")
    p.add_argument("--cluster", nargs="?", const="", metavar="URL",
                   help="run queries on a Flink cluster (no URL: the one `streamscore cluster up` started)")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("classpath", help="the jars a plain Flink needs to run this project's SQL, one per line "
                       "(for `sql-client.sh -j` or `flink run -C`)")
    p.set_defaults(func=cmd_classpath)

    p = sub.add_parser("cluster", help="a standalone Flink cluster on 127.0.0.1 (JobManager + TaskManagers)")
    p.add_argument("action", choices=("up", "down", "status"))
    p.add_argument("--taskmanagers", type=int, default=1)
    p.add_argument("--slots", type=int, default=2, help="task slots per TaskManager")
    p.add_argument("--taskmanager-memory", default="1728m", help="process memory per TaskManager")
    p.add_argument("--state-backend", choices=("hashmap", "rocksdb"), default="hashmap",
                   help="where keyed state lives: the JVM heap (hashmap) or RocksDB on local disk (state larger "
                        "than memory, incremental checkpoints)")
    p.set_defaults(func=cmd_cluster)

    p = job_command("submit", cmd_submit, "submit the job to a Flink cluster, detached")
    p.add_argument("--cluster", help="REST URL, e.g. http://127.0.0.1:8081 (default: `streamscore cluster up`'s)")
    p.add_argument("--profile", default="local")
    p.add_argument("--bootstrap-servers", help="override the profile's Kafka bootstrap servers")
    p.add_argument("--parallelism", type=int, default=1)
    p.add_argument("--delivery", choices=("at-least-once", "exactly-once"), default="at-least-once")
    p.add_argument("--checkpoint-interval", type=float, metavar="SECONDS")
    p.add_argument("--checkpoint-dir", metavar="URI",
                   help="where the cluster writes checkpoints (default: file:// under .streamscore/state, "
                        "right for a cluster on this machine; use shared storage for others)")
    p.add_argument("--from-savepoint", metavar="PATH", help="start from this savepoint or checkpoint")

    p = sub.add_parser("jobs", help="list the jobs of a Flink cluster")
    p.add_argument("--cluster")
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("cancel", help="cancel a job on a Flink cluster, optionally with a savepoint")
    p.add_argument("job_id")
    p.add_argument("--cluster")
    p.add_argument("--savepoint", metavar="DIR", help="stop with a savepoint written here (path or URI)")
    p.set_defaults(func=cmd_cancel)

    p = job_command("k8s", cmd_k8s, "write a FlinkDeployment manifest (Flink Kubernetes Operator) for the job")
    p.add_argument("--image", required=True, help="an image from flink:2.3 with Python, streamscore and the project")
    p.add_argument("--profile", default="kafka")
    p.add_argument("--delivery", choices=("at-least-once", "exactly-once"), default="exactly-once")
    p.add_argument("--parallelism", type=int, default=1)
    p.add_argument("--flink-version", default="v2_0", help="the operator's flinkVersion value")
    p.add_argument("--checkpoint-dir", default="s3://CHANGE-ME/checkpoints", help="shared checkpoint storage")
    p.add_argument("--output", help="default build/k8s/<job>.yaml")

    p = sub.add_parser("explore", help="a DuckDB SQL prompt over the job (sources read files, views, models) "
                       "or, without a job, over every table of sql/*.sql")
    p.add_argument("job", nargs="?", help="job file, or a file of CREATE TABLEs (default: the project's only "
                                          "job; with none or several, every table)")
    inputs(p)
    history_options(p)
    p.add_argument("--profile", default="local", help="profile of the topics `--input TABLE=kafka` reads")
    p.add_argument("--sql", action="append", help="run this SQL (or .command) and exit; repeatable")
    p.add_argument("--file", action="append", help="run this script and exit; repeatable")
    p.set_defaults(func=cmd_explore)

    p = sub.add_parser("cache", help="the decoded inputs kept under .streamscore/cache: show its size, prune the "
                                     "entries of changed or deleted files, or clear it")
    p.add_argument("action", nargs="?", choices=("info", "prune", "clear"), default="info")
    p.set_defaults(func=cmd_cache)

    p = job_command("report", cmd_report, "replay the job on DuckDB and write an HTML report with plots")
    inputs(p)
    p.add_argument("--score", metavar="SINK.COLUMN", help="the score to plot (default: a sink column named like a score)")
    p.add_argument("--label", help="a SQL condition over that sink giving the true outcome, e.g. 'arr_delay >= 15'")
    p.add_argument("--by", help="segment column for the error per segment")
    p.add_argument("--output", help="default build/report/<job>.html")

    p = sub.add_parser("demo", help="the flight-delay demo, end to end")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("demo-data", help="write the demo's data files (data/*.jsonl)")
    p.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    # A command is a Flink client, never a Python worker: a parent process that ran a local job in PyFlink's
    # loopback mode has this set (its workers set it in its environment), and PyFlink would refuse to start.
    os.environ.pop("PYFLINK_GATEWAY_DISABLED", None)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except StreamscoreError as error:
        if args.debug:
            raise
        red = "\033[31m" if sys.stderr.isatty() else ""
        reset = "\033[0m" if red else ""
        print(f"{red}error: {redact(str(error))}{reset}", file=sys.stderr)
        return 2
    except Exception as error:  # a Java exception streamscore did not place: Flink's innermost cause, one line
        if args.debug or type(error).__name__ != "Py4JJavaError":
            raise
        from streamscore.engines.flink import _java_message

        print(f"error: Flink failed: {_java_message(error)} (--debug shows the trace)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before a job runs (a running job stops with a savepoint instead)
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
