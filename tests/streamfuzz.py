"""A differential fuzzer of event time: random out-of-order streams through random event-time jobs (window
aggregates, sessions, OVER, temporal sort, window top-N and dedup, deduplication, MATCH_RECOGNIZE, interval,
window and regular joins, filtering views and chained windows), replayed by Flink and by the DuckDB replay
with its default settings.

The late-row cases of the corpus are streams someone built for one operator; here rows arrive late by
random amounts, tie, land on window edges and a millisecond before them, hold NULL keys and values, under
random watermark delays and time attributes (a column, computed from text, or a TIMESTAMP_LTZ from epoch
milliseconds). A job's verdicts: the replay refuses it (late rows
or ties it cannot decide as Flink: allowed, it says so), both give the same rows (identical), or they
differ: a replay that silently gives other rows than Flink, the defect this hunts. A job Flink's check
refuses (the replay's gate) is counted; one Flink fails to run after its check passed must fail the replay
too (a NULL written into a sink's key), or is reported.

    python tests/streamfuzz.py --count 60 --seed 3     # prints each difference; exit 1 if any
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

START = dt.datetime(2024, 3, 10, 10, 0, 0)
KEYS = ("a", "b", "c")


@dataclass(frozen=True)
class Trial:
    """One job over its streams: the job file's text and each source's records (file order = arrival order)."""

    number: int
    sql: str
    records: dict[str, list[dict]]


def stream(rnd: random.Random, time_column: str, epoch: bool, lateness: int = 120,
           nulls: float = 0.0) -> list[dict]:
    """Rows mostly in time order; some late by up to ``lateness`` seconds, some tied, some on a 10-second edge
    or a millisecond before one (window ends are multiples of 10 seconds); a ``nulls`` share of keys and values
    NULL."""
    rows, newest = [], START
    for number in range(1, rnd.randint(12, 36) + 1):
        roll = rnd.random()
        if roll < 0.25 and rows:
            ts = newest - dt.timedelta(seconds=rnd.randint(0, lateness))
        elif roll < 0.35 and rows:
            ts = rnd.choice(rows)["_ts"]
        else:
            ts = newest + dt.timedelta(seconds=rnd.randint(0, 25))
        if rnd.random() < 0.3:  # onto a window edge, or just before it
            ts = ts.replace(second=ts.second // 10 * 10, microsecond=0)
            ts -= dt.timedelta(milliseconds=rnd.choice((0, 0, 1)))
        newest = max(newest, ts)
        rows.append({"id": number, "k": None if rnd.random() < nulls else rnd.choice(KEYS),
                     "v": None if rnd.random() < nulls else float(rnd.randint(1, 50)), "_ts": ts})
    for row in rows:
        ts = row.pop("_ts")
        row[time_column] = (int(ts.replace(tzinfo=dt.timezone.utc).timestamp() * 1000) if epoch
                            else ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])
    return rows


@dataclass(frozen=True)
class Source:
    """A source table: its event time a column, computed from text, or from epoch milliseconds (a
    TIMESTAMP_LTZ), and a random watermark delay."""

    name: str
    ddl: str
    time_column: str
    time_type: str

    @property
    def epoch(self) -> bool:
        return self.time_type.startswith("TIMESTAMP_LTZ")


def source(rnd: random.Random, name: str, like: Source | None = None) -> Source:
    """``like``: a source whose kind of time attribute this one shares (Flink joins only equal rowtime types)."""
    delay = rnd.choice(("0", "0.001", "1", "5", "30"))
    roll = rnd.random() if like is None else {"ts": 0.0, "event_time": 0.5, "ms": 0.9}[like.time_column]
    if roll < 0.4:
        columns, time_column, time_type = "ts TIMESTAMP(3)", "ts", "TIMESTAMP(3)"
    elif roll < 0.8:
        columns, time_column = "event_time STRING, ts AS TO_TIMESTAMP(event_time)", "event_time"
        time_type = "TIMESTAMP(3)"
    else:
        columns, time_column, time_type = "ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ms, 3)", "ms", "TIMESTAMP_LTZ(3)"
    return Source(name, f"CREATE TABLE {name} (id BIGINT, k STRING, v DOUBLE, {columns},\n"
                        f"  WATERMARK FOR ts AS ts - INTERVAL '{delay}' SECOND\n"
                        f") WITH ('connector' = 'filesystem', 'path' = '{name}.jsonl', 'format' = 'json');\n",
                  time_column, time_type)


def _seconds(rnd, *choices) -> str:
    return f"INTERVAL '{rnd.choice(choices)}' SECOND"


FILTERED = "CREATE VIEW big_events AS SELECT * FROM events WHERE v > 15;\n"


def _filtered(rnd) -> str:
    """The table an operator reads: the source, or a view of it that filters (Flink filters before windowing)."""
    return rnd.choice(("events", "events", "big_events"))


AGGREGATES = [  # (column, type, aggregate): arrival-order ones too (FIRST_VALUE, LISTAGG ...)
    ("n", "BIGINT", "COUNT(*)"), ("total", "DOUBLE", "SUM(v)"), ("top", "BIGINT", "MAX(id)"),
    ("low", "DOUBLE", "MIN(v)"), ("mean", "DOUBLE", "AVG(v)"), ("keys", "BIGINT", "COUNT(DISTINCT k)"),
    ("big", "BIGINT", "COUNT(*) FILTER (WHERE v > 25)"), ("first_id", "BIGINT", "FIRST_VALUE(id)"),
    ("last_id", "BIGINT", "LAST_VALUE(id)"), ("ids", "STRING", "LISTAGG(CAST(id AS STRING))"),
    ("spread", "DOUBLE", "STDDEV_POP(v)"), ("newest", "{TS}", "MAX(ts)"),
]
OVER_AGGREGATES = AGGREGATES[:5] + [AGGREGATES[-1]]


def _aggregates(rnd) -> tuple[str, str]:
    """Two to four aggregates: their sink columns and their SQL."""
    chosen = rnd.sample(AGGREGATES, rnd.randint(2, 4))
    return ", ".join(f"{c} {t}" for c, t, _ in chosen), ", ".join(a for _, _, a in chosen)


def _having(rnd) -> str:
    return rnd.choice(("", "", "\nHAVING COUNT(*) > 1"))


def _window_agg(rnd):
    size = rnd.choice((10, 20, 30, 60))
    offset = rnd.choice(("", "", f", INTERVAL '{rnd.choice((5, -5))}' SECOND"))
    window = rnd.choice((
        f"TUMBLE(TABLE {{t}}, DESCRIPTOR(ts), INTERVAL '{size}' SECOND{offset})",
        f"HOP(TABLE {{t}}, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '{size}' SECOND)",
        f"CUMULATE(TABLE {{t}}, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '{size}' SECOND)",
    )).format(t=_filtered(rnd))
    keyed = rnd.random() < 0.5
    columns, aggregates = _aggregates(rnd)
    return (f"(k STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), {columns})",
            f"SELECT {'k' if keyed else 'CAST(NULL AS STRING)'}, window_start, window_end, {aggregates}\n"
            f"FROM TABLE({window})\nGROUP BY {'k, ' if keyed else ''}window_start, window_end{_having(rnd)}")


def _session(rnd):
    gap = _seconds(rnd, 5, 10, 30, 60)
    keyed = rnd.random() < 0.7
    columns, aggregates = _aggregates(rnd)
    return (f"(k STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), {columns})",
            f"SELECT {'k' if keyed else 'CAST(NULL AS STRING)'}, window_start, window_end, {aggregates}\n"
            f"FROM TABLE(SESSION(TABLE {_filtered(rnd)}{' PARTITION BY k' if keyed else ''}, DESCRIPTOR(ts), {gap}))\n"
            f"GROUP BY {'k, ' if keyed else ''}window_start, window_end{_having(rnd)}")


def _group_window(rnd):
    kind = rnd.choice(("TUMBLE", "HOP", "SESSION"))
    spec = {"TUMBLE": _seconds(rnd, 10, 30, 60), "SESSION": _seconds(rnd, 5, 20, 60),
            "HOP": f"INTERVAL '10' SECOND, {_seconds(rnd, 20, 30)}"}[kind]
    columns, aggregates = _aggregates(rnd)
    return (f"(k STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), {columns})",
            f"SELECT k, {kind}_START(ts, {spec}), {kind}_END(ts, {spec}), {aggregates}\n"
            f"FROM {_filtered(rnd)}\nGROUP BY k, {kind}(ts, {spec}){_having(rnd)}")


def _over(rnd):
    frame = rnd.choice((
        f"RANGE BETWEEN {_seconds(rnd, 10, 30, 60)} PRECEDING AND CURRENT ROW",
        f"ROWS BETWEEN {rnd.randint(1, 3)} PRECEDING AND CURRENT ROW",
        "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
    ))
    chosen = rnd.sample(OVER_AGGREGATES, rnd.randint(1, 3))
    return ("(id BIGINT, k STRING, " + ", ".join(f"{c} {t}" for c, t, _ in chosen) + ")",
            "SELECT id, k, " + ", ".join(f"{a} OVER w" for _, _, a in chosen) + f"\nFROM {_filtered(rnd)}\n"
            f"WINDOW w AS (PARTITION BY k ORDER BY ts {frame})")


def _lag(rnd):
    return ("(id BIGINT, previous DOUBLE)",
            f"SELECT id, LAG(v) OVER (PARTITION BY k ORDER BY ts) FROM {_filtered(rnd)}")


def _sort(rnd):
    return "(id BIGINT, k STRING, ts {TS})", f"SELECT id, k, ts FROM {_filtered(rnd)} ORDER BY ts"


def _window_rank(rnd):
    size = rnd.choice((10, 30, 60))
    dedup = rnd.random() < 0.5
    # ties: equal times (dedup, keeping the first or last arrival) and equal values (top-N, arrival order)
    order = rnd.choice(("ts", "ts DESC")) if dedup else rnd.choice(("v DESC, id", "v DESC", "ts DESC"))
    keep = "rn = 1" if dedup else "rn <= 2"
    window = rnd.choice((f"TUMBLE(TABLE {_filtered(rnd)}, DESCRIPTOR(ts), INTERVAL '{size}' SECOND)",) * 3 +
                        (f"HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '{size + 10}' SECOND)",))
    # window dedup keeps every column (Flink's WindowDeduplicate needs the row); top-N may project
    return ("(id BIGINT, k STRING, window_start TIMESTAMP(3), rn BIGINT)",
            f"SELECT id, k, window_start, rn FROM (\n"
            f"  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end{', k' if dedup else ''} "
            f"ORDER BY {order}) AS rn\n"
            f"  FROM TABLE({window})\n) WHERE {keep}")


def _chained(rnd):
    return ("(window_start TIMESTAMP(3), n BIGINT, total DOUBLE)",
            "SELECT window_start, SUM(n), SUM(total)\n"
            "FROM TABLE(TUMBLE(TABLE per_ten_seconds, DESCRIPTOR(t), INTERVAL '30' SECOND))\n"
            "GROUP BY window_start, window_end")


def _match(rnd):
    within = rnd.choice(("", f" WITHIN {_seconds(rnd, 30, 60)}"))
    return ("(k STRING, first_id BIGINT, last_id BIGINT, matched_at {TS})",
            f"SELECT k, first_id, last_id, matched_at FROM {_filtered(rnd)} MATCH_RECOGNIZE (\n"
            "  PARTITION BY k ORDER BY ts\n"
            "  MEASURES A.id AS first_id, B.id AS last_id, MATCH_ROWTIME() AS matched_at\n"
            f"  ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW\n  PATTERN (A B){within}\n"
            "  DEFINE B AS B.v > A.v\n)")


CHAINED = ("CREATE VIEW per_ten_seconds AS\n"
           "SELECT window_start AS inner_start, window_time AS t, COUNT(*) AS n, SUM(v) AS total\n"
           "FROM TABLE(TUMBLE(TABLE {t}, DESCRIPTOR(ts), INTERVAL '10' SECOND))\n"
           "GROUP BY window_start, window_end, window_time;\n")

def _dedup(rnd):
    order = rnd.choice(("ts", "ts DESC"))
    return ("(id BIGINT, k STRING, v DOUBLE, PRIMARY KEY (k) NOT ENFORCED)",
            "SELECT id, k, v FROM (\n"
            f"  SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY {order}) AS rn FROM {_filtered(rnd)}\n"
            ") WHERE rn = 1")


def _top_n(rnd):
    return ("(id BIGINT, k STRING, v DOUBLE, rn BIGINT, PRIMARY KEY (k, rn) NOT ENFORCED)",
            "SELECT id, k, v, rn FROM (\n"
            "  SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, id) AS rn FROM events\n) WHERE rn <= 2")


def _group_agg(rnd):
    return ("(k STRING, n BIGINT, total DOUBLE, newest {TS}, PRIMARY KEY (k) NOT ENFORCED)",
            f"SELECT k, COUNT(*), SUM(v), MAX(ts) FROM {_filtered(rnd)} GROUP BY k")


def _interval_join(rnd):
    kind = rnd.choice(("JOIN", "LEFT JOIN"))
    before, after = rnd.choice((5, 10, 30, 120)), rnd.choice((0, 5, 10, 60))  # wide: late rows joined
    # the marks' time into the sink: its time attribute, NULL in an outer join's padding (Flink's job fails)
    timed = rnd.random() < 0.25
    return (f"(id BIGINT, mark BIGINT, k STRING, v DOUBLE, w {'{TS}' if timed else 'DOUBLE'})",
            f"SELECT e.id, m.id, e.k, e.v, m.{'ts' if timed else 'v'}\nFROM events e {kind} marks m\n"
            f"ON e.k = m.k AND m.ts BETWEEN e.ts - INTERVAL '{before}' SECOND AND e.ts + INTERVAL '{after}' SECOND")


def _regular_join(rnd):
    """A join on the key alone (and a join filter not on time): Flink's regular join, which drops nothing."""
    kind = rnd.choice(("JOIN", "LEFT JOIN"))
    extra = rnd.choice(("", "", " AND e.v > m.v"))
    return ("(id BIGINT, mark BIGINT, k STRING, v DOUBLE, w DOUBLE)",
            f"SELECT e.id, m.id, e.k, e.v, m.v\nFROM {_filtered(rnd)} e {kind} marks m\nON e.k = m.k{extra}")


def _window_join(rnd):
    kind = rnd.choice(("JOIN", "LEFT JOIN", "FULL JOIN"))
    size = rnd.choice((10, 30))
    window = rnd.choice((f"TUMBLE(TABLE {{t}}, DESCRIPTOR(ts), INTERVAL '{size}' SECOND)",
                         f"HOP(TABLE {{t}}, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '{size + 10}' SECOND)",
                         f"CUMULATE(TABLE {{t}}, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '{size + 10}' SECOND)"))
    window = f"SELECT * FROM TABLE({window})"
    return ("(id BIGINT, mark BIGINT, window_start TIMESTAMP(3))",
            f"SELECT e.id, m.id, COALESCE(e.window_start, m.window_start)\n"
            f"FROM ({window.format(t='events')}) e\n{kind} ({window.format(t='marks')}) m\n"
            "ON e.k = m.k AND e.window_start = m.window_start AND e.window_end = m.window_end")


OPERATORS = [_window_agg, _window_agg, _session, _group_window, _over, _over, _lag, _sort, _window_rank,
             _chained, _match, _dedup, _top_n, _group_agg, _interval_join, _window_join, _regular_join]


def trials(seed: int, count: int) -> list[Trial]:
    """``count`` jobs and their streams, the same for the same seed."""
    rnd = random.Random(seed)
    made = []
    for number in range(1, count + 1):
        events = source(rnd, "events")
        sources = [events, source(rnd, "marks", like=events)]
        columns, query = rnd.choice(OPERATORS)(rnd)
        columns = columns.replace("{TS}", sources[0].time_type)
        views = FILTERED + (CHAINED.format(t=_filtered(rnd)) if "per_ten_seconds" in query else "")
        sql = (f"{''.join(s.ddl for s in sources)}{views}\n"
               f"CREATE TABLE results {columns} WITH ('connector' = 'blackhole');\n\nINSERT INTO results\n{query};\n")
        lateness = rnd.choice((120, 120, 8))  # mild: late rows mostly within the windows still open
        nulls = rnd.choice((0.0, 0.0, 0.15))
        made.append(Trial(number, sql, {s.name: stream(rnd, s.time_column, s.epoch, lateness, nulls)
                                        for s in sources}))
    return made


@dataclass
class Verdicts:
    identical: int = 0
    replay_refused: list[str] = field(default_factory=list)
    flink_refused: int = 0
    flink_failed: list[tuple[Trial, str]] = field(default_factory=list)
    different: list[tuple[Trial, str]] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.identical} identical, {len(self.different)} different, {len(self.replay_refused)} "
                f"refused by the replay, {self.flink_refused} refused by Flink's check, {len(self.flink_failed)} "
                "failed on Flink after its check")


def judge(trial: Trial, flink_engine, duck_engine, workdir: Path, verdicts: Verdicts) -> None:
    import pandas as pd

    from streamscore.errors import StreamscoreError
    from streamscore.replay import FlinkCheck, compare_tables
    from streamscore.sql.statements import parse_job

    folder = workdir / f"trial{trial.number}"
    folder.mkdir(parents=True)
    (folder / "job.sql").write_text(trial.sql)
    job = parse_job(folder / "job.sql")
    data = {}
    for table in job.sources:
        data[table.name] = folder / f"{table.name}.jsonl"
        data[table.name].write_text("".join(json.dumps(r) + "\n" for r in trial.records[table.name]))
    try:  # the replay's gate: what Flink's planner refuses is not replayed
        FlinkCheck(flink_engine.project, engine=flink_engine)(job)
    except StreamscoreError:
        verdicts.flink_refused += 1
        return
    flink, failed = None, None
    try:
        flink = flink_engine.replay(job, data, folder / "flink")
    except StreamscoreError as error:
        failed = str(error).splitlines()[0]
    try:
        duck = duck_engine.replay(job, data, folder / "duckdb")
    except StreamscoreError as error:
        if failed:  # both fail (a NULL into a sink's key ...): they agree
            verdicts.identical += 1
        else:
            verdicts.replay_refused.append(str(error).splitlines()[0])
        return
    if failed:
        verdicts.flink_failed.append((trial, f"{failed}; the replay gave rows"))
        return
    expected, actual = pd.read_parquet(flink.sinks["results"]), pd.read_parquet(duck.sinks["results"])
    diff = compare_tables("results", expected, actual[list(expected.columns)])
    if diff.equal:
        verdicts.identical += 1
    else:
        from streamscore.cases import mismatches
        verdicts.different.append((trial, "; ".join(mismatches(diff, limit=4)) or diff.problem))


def run(flink_engine, project, chosen: list[Trial], progress=None) -> Verdicts:
    from streamscore.engines.duckdb import DuckDBEngine

    verdicts = Verdicts()
    with tempfile.TemporaryDirectory(prefix="streamfuzz-") as workdir:
        for trial in chosen:
            judge(trial, flink_engine, DuckDBEngine(project), Path(workdir), verdicts)
            if progress:
                progress(f"{trial.number}/{len(chosen)}: {verdicts.line()}")
    return verdicts


def show(trial: Trial) -> str:
    streams = "".join(f"\n-- {name}.jsonl (arrival order)\n" + "\n".join(json.dumps(r) for r in records)
                      for name, records in trial.records.items())
    return f"-- trial {trial.number}\n{trial.sql}{streams}"


def main(argv=None) -> int:
    import argparse

    from streamscore.engines.flink import FlinkEngine
    from streamscore.project import Project

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--only", type=int, nargs="*", help="run these trial numbers only")
    args = parser.parse_args(argv)
    project = Project(Path(__file__).parent.parent)
    chosen = [t for t in trials(args.seed, args.count) if not args.only or t.number in args.only]
    engine = FlinkEngine(project)
    try:
        verdicts = run(engine, project, chosen, progress=print)
    finally:
        engine.close()
    for trial, detail in verdicts.flink_failed:
        print(f"FLINK FAILED  {detail}\n{show(trial)}\n")
    for trial, detail in verdicts.different:
        print(f"DIFFERENT  {detail}\n{show(trial)}\n")
    for reason in sorted(set(verdicts.replay_refused)):
        print(f"refused: {reason}")
    print(verdicts.line())
    return 1 if verdicts.different or verdicts.flink_failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
