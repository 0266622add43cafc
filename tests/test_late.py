"""Flink's per-operator late rules as the replay follows them (streamscore.late), on streams small enough to
follow by hand from Flink's operator code; the corpus cases tests/replay/late_* check them against Flink."""

from streamscore.late import ROW, WATERMARK, sessions, simulate

S = 1000  # ms
T0 = 10_000 * S  # times are seconds after T0 (Flink's bounded OVER drops rows at or before 0 ms)


def _rows(times: list[int], delay: int = 10, keys: list[str] | None = None) -> dict[str, list]:
    """Rows arriving in ``times`` order (seconds); the watermark each finds: the largest time - ``delay`` of
    the rows before it (None before the first)."""
    watermarks, mark = [], None
    for t in times:
        watermarks.append(mark)
        mark = max(mark if mark is not None else T0 + (t - delay) * S, T0 + (t - delay) * S)
    rows = {ROW: list(range(len(times))), "__ts": [T0 + t * S for t in times], WATERMARK: watermarks}
    if keys is not None:
        rows["__k0"] = keys
    return rows


def test_unbounded_over_drops_rows_at_or_behind_the_watermark():
    # marks found: -, 90, 95, 95, 95, 110
    dropped, passes, problem = simulate("unbounded", 0, _rows([100, 105, 95, 94, 120, 110]))
    assert dropped == [2, 3, 5] and passes == 0 and problem is None


def test_bounded_over_keeps_a_late_row_newer_than_the_last_timer_fired():
    # marks found: -, 90, 95, 95, 95, 110. Until 101 no timer has fired (none at or below the mark), so 92,
    # behind the mark 95, is kept: late for the next operator. 101 finds mark 110: the timers of 92, 97,
    # 100 and 105 have fired, the last at 105, and 101 is dropped.
    dropped, passes, problem = simulate("rows", 0, _rows([100, 105, 97, 92, 120, 101]))
    assert dropped == [5] and passes == 1 and problem is None


def test_a_timer_registered_under_the_current_watermark_waits_for_the_next_one():
    # 50 arrives under mark 90 (after 100): kept (no timer fired); its timer is due only at the next
    # watermark, which 95 does not raise: 60 is still newer than the last fired (0 -> none fired) and kept.
    dropped, _, _ = simulate("rows", 0, _rows([100, 50, 95, 60, 130, 55]))
    # 130 raises the mark to 120 after it: at 55, timers 50, 60, 100 have fired -> 55 dropped
    assert dropped == [5]


def test_range_over_cleanup_timers_count_as_fired():
    # RANGE 60 s: the row at 0 registers a cleanup timer at 0 + 90 s + 1 ms; the row at 31 one at 121 s + 1 ms
    # (it registers when 31 + 60 s + 1 ms is past the current one). When the watermark passes 90 s, the first
    # fires without cleaning (a newer one is due) and becomes the last fired time: a row at 50 s is then
    # dropped though newer than 31.
    rows = _rows([0, 31, 102, 50], keys=["k", "k", "other", "k"])
    assert simulate("range", 60 * S, rows)[0] == [3]
    assert simulate("rows", 0, rows)[0] == []  # ROWS has no such timers: 50 > 30 is kept


def test_range_over_refuses_a_row_whose_range_reaches_rows_flink_cleaned_up():
    # k's state is cleaned at 90 s + 1 ms; a row at 40 s then comes: Flink starts k afresh (its range sees
    # none of 0 s), which the replay's OVER over all rows would not.
    dropped, _, problem = simulate("range", 60 * S, _rows([0, 200, 40], keys=["k", "other", "k"]))
    assert dropped == [] and "cleaned up" in problem


def test_temporal_sort_keeps_rows_until_their_time_was_emitted_and_is_one_key():
    dropped, passes, _ = simulate("sort", 0, _rows([100, 90, 80, 120, 95, 111]))
    # 90: mark 90, no timer fired: kept (late). 80: kept (late). 120: mark 90. 95: mark 110 fired 80..100
    # -> last 100: 95 dropped. 111: 111 > 100 kept.
    assert dropped == [4] and passes == 2


def test_session_windows_merge_before_deciding_lateness():
    """Gap 30 s, watermark = time - 10 s. 100 and 120 open [100, 150); 200 (mark 110) fires nothing yet, opens
    [200, 230); 90 finds mark 190: [100, 150) has fired (149 <= 190) and 90's own window [90, 120) has ended:
    dropped. 175 finds 190: its window [175, 205) ended? 204 > 190: no, and it touches [200, 230): joins it,
    moving its start to 175. 160 finds 190: [160, 190) has ended (189 <= 190) but touches [175, 230): kept
    there. 240 (mark 190) is 40 s after 200: a session of its own."""
    dropped, session_of = sessions(30 * S, _rows([100, 120, 200, 90, 175, 160, 240]))
    assert dropped == [3]
    assert session_of[0] == session_of[1] != session_of[2]
    assert session_of[2] == session_of[4] == session_of[5] != session_of[6]


def test_a_row_near_a_fired_session_starts_another():
    """Watermark = time - 1 s, gap 10 s: 100 opens [100, 110); 120 raises the mark to 119, which fires it
    (109 <= 119); 108 (its window [108, 118) ends at 117 <= 119, touching only the fired session) is dropped;
    112 ([112, 122) ends 121 > 119) is kept, in a session of its own though it is within the gap of 100;
    keys apart."""
    rows = _rows([100, 120, 108, 112], delay=1, keys=["a", "a", "a", "a"])
    dropped, session_of = sessions(10 * S, rows)
    assert dropped == [2]
    assert len({session_of[0], session_of[1], session_of[3]}) == 2 and session_of[1] == session_of[3]
    other = _rows([100, 105], delay=1, keys=["a", "b"])
    assert len(set(sessions(10 * S, other)[1].values())) == 2


def test_keep_first_deduplication_drops_rows_strictly_behind_the_watermark():
    # marks found: -, 90, 95, 95, 95. 85 and 94 are strictly behind 95: dropped (an earlier first row arriving
    # late changes nothing); 95, at the mark, is kept, and late for the next operator.
    dropped, passes, problem = simulate("dedup", 0, _rows([100, 105, 85, 95, 94]))
    assert dropped == [2, 4] and passes == 1 and problem is None


def test_only_a_first_row_by_a_time_attribute_outside_windows_is_flinks_rowtime_deduplicate():
    from sqlglot import parse_one

    from streamscore.late import sensitive_nodes

    def kinds(sql):
        return [kind for kind, _ in sensitive_nodes(parse_one(sql, read="duckdb"), {"ts"})]

    first = "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY {}) AS rn FROM t) WHERE rn {}"
    assert kinds(first.format("ts", "= 1")) == ["deduplicate"]
    assert kinds(first.format("ts", "< 2")) == ["deduplicate"]
    assert kinds(first.format("ts DESC", "= 1")) == []  # keep-last replaces at once: no late rule
    assert kinds(first.format("ts", "<= 2")) == []  # a top-N (Rank): no late rule
    assert kinds(first.format("amount", "= 1")) == []  # not a time attribute: a Rank
    per_window = ("SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ts)"
                  " AS rn FROM w) WHERE rn = 1")
    assert kinds(per_window) == []  # window deduplication: its window decides


def test_a_join_is_bounded_by_time_when_any_predicate_of_the_job_may_compare_two_time_columns(tmp_path):
    from streamscore.late import compares_times, sensitive_nodes
    from streamscore.sql.statements import parse_job

    tables = ("CREATE TABLE o (id BIGINT, k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'x');"
              "CREATE TABLE p (id BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'x');"
              "CREATE TABLE c (k STRING, country STRING) WITH ('connector' = 'x');"
              "CREATE TABLE s (id BIGINT, x STRING) WITH ('connector' = 'blackhole');")

    def job(sql):
        path = tmp_path / "job.sql"
        path.write_text(tables + sql)
        return parse_job(path)

    def joins(sql):
        parsed = job(sql)
        query = parsed.inserts[-1].query
        return [kind for kind, _ in sensitive_nodes(query, {"ts"}, compares_times(parsed))].count("join")

    enrich = "INSERT INTO s SELECT o.id, c.country FROM o JOIN c ON o.k = c.k"
    assert joins(enrich) == 0  # a regular join: Flink's StreamingJoinOperator drops nothing
    assert joins("INSERT INTO s SELECT o.id, o.k FROM o LEFT JOIN p ON o.id = p.id") == 0
    assert joins("INSERT INTO s SELECT o.id, o.k FROM o, p WHERE o.id = p.id AND p.ts BETWEEN o.ts AND o.ts") == 1
    assert joins("INSERT INTO s SELECT o.id, o.k FROM o JOIN p ON o.id = p.id AND o.ts = p.ts") == 1
    # the bound may sit in another statement, on renamed time columns (Flink pushes it into the join)
    renamed = ("CREATE VIEW j AS SELECT o.id, o.k, o.ts AS placed, p.ts AS paid FROM o JOIN p ON o.id = p.id;"
               "INSERT INTO s SELECT id, k FROM j WHERE paid <= placed + INTERVAL '1' MINUTE")
    assert compares_times(job(renamed))
    assert compares_times(job("CREATE VIEW v AS SELECT * FROM o AS t(a, b, c);" + enrich))  # names hidden
    assert compares_times(job("CREATE VIEW v AS SELECT * FROM o JOIN p ON o.id = p.id;" + enrich))
    assert not compares_times(job("INSERT INTO s SELECT id, k FROM o WHERE ts > TIMESTAMP '2024-01-01 00:00:00'"))


def test_interval_bounds_are_read_as_flink_extracts_them():
    from sqlglot import parse_one

    from streamscore.late import interval_bounds

    def bounds(where):
        condition = parse_one(f"SELECT 1 FROM o, s WHERE o.id = s.id AND {where}", read="duckdb").args["where"].this
        return interval_bounds([condition], ("o", "ts"), ("s", "ts"))

    s, m = 1000, 60_000
    # tl - tr within [lower, upper]
    assert bounds("s.ts BETWEEN o.ts - INTERVAL '5' SECOND AND o.ts + INTERVAL '10' SECOND") == (-10 * s, 5 * s)
    assert bounds("o.ts BETWEEN s.ts - INTERVAL '4' HOUR AND s.ts") == (-240 * m, 0)
    assert bounds("o.ts > s.ts AND o.ts < s.ts + INTERVAL '1' MINUTE") == (1, m - 1)  # strict: 1 ms in
    assert bounds("s.ts >= o.ts AND s.ts <= o.ts") == (0, 0)
    assert bounds("o.ts = s.ts") == (0, 0)
    assert bounds("o.ts BETWEEN s.ts + INTERVAL '10' SECOND AND s.ts + INTERVAL '5' SECOND") == (10 * s, 5 * s)
    assert bounds("o.ts > s.ts") is None  # one bound: no interval join
    assert bounds("o.ts > s.ts - TIMESTAMPDIFF(SECOND, o.ts, s.ts)") is None  # not a constant offset
    assert bounds("o.ts > TIMESTAMP '2024-01-01 00:00:00' AND s.ts BETWEEN o.ts AND o.ts") == (0, 0)  # a filter
