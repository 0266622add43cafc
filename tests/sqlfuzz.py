"""A differential fuzzer of scalar SQL: random, well-typed expressions over the function corpus's row
(tests/functions: edge values, NULLs, zeros, negatives), evaluated by Flink and by the DuckDB replay.

The corpus holds expressions someone wrote; this composes them as nobody did (a CASE over a cast of a
division, a padded substring of a formatted date), where implicit casts, NULL propagation and overflow
meet. A run's verdicts: Flink refuses the expression (its check gates the replay, nothing to compare),
the replay refuses it (allowed), both give the same value or both fail (identical), or they differ: a
replay that silently gives another value than Flink, the defect this hunts.

    python tests/sqlfuzz.py --count 2000 --seed 7     # prints each difference; exit 1 if any
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).parent / "functions"

# The row's columns by the type the generator gives them (tests/functions/tables.sql).
COLUMNS = {
    "INT": ["i", "ineg", "iz", "inul", "ti", "si"],
    "BIGINT": ["b"],
    "DOUBLE": ["d", "dneg", "dnul", "f"],
    "DECIMAL": ["m2", "m2n", "m18"],
    "STRING": ["s", "e", "sn", "u", "pad", "csv"],
    "BOOLEAN": ["bo", "bnul"],
    "DATE": ["dt"],
    "TIMESTAMP": ["ts", "ts6", "ts0"],
}
LITERALS = {
    "INT": ["0", "1", "-1", "2", "7", "2147483647", "-2147483648", "CAST(NULL AS INT)"],
    "BIGINT": ["CAST(0 AS BIGINT)", "9223372036854775807", "CAST(-3 AS BIGINT)"],
    "DOUBLE": ["0.0E0", "1.5E0", "-2.25E0", "1.0E300", "CAST(NULL AS DOUBLE)"],
    "DECIMAL": ["0.5", "-1.25", "123.456", "0.001", "CAST(NULL AS DECIMAL(10, 2))"],
    "STRING": ["''", "'a'", "'Hello'", "' x '", "'2024-02-29'", "'12'", "'-3.5'", "'a,b'", "'7%'", "' 1e3 '",
               "'true'", "'2024-02-29 10:00:00'", "CAST(NULL AS STRING)"],
    "BOOLEAN": ["TRUE", "FALSE", "CAST(NULL AS BOOLEAN)"],
    "DATE": ["DATE '2024-02-29'", "DATE '1970-01-01'", "DATE '2023-12-31'"],
    "TIMESTAMP": ["TIMESTAMP '2024-02-29 23:59:59.999'", "TIMESTAMP '1970-01-01 00:00:00'"],
}
NUMERIC = ("INT", "BIGINT", "DOUBLE", "DECIMAL")
ORDERED = (*NUMERIC, "STRING", "DATE", "TIMESTAMP")
CAST_TARGETS = {"INT": "INT", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "DECIMAL": "DECIMAL(12, 3)",
                "STRING": "STRING", "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP(3)"}
# What Flink casts to each type (a cast it refuses teaches nothing).
CAST_SOURCES = {**{k: (*NUMERIC, "STRING") for k in NUMERIC}, "STRING": tuple(CAST_TARGETS),
                "BOOLEAN": ("STRING", "INT"), "DATE": ("STRING", "TIMESTAMP"), "TIMESTAMP": ("STRING", "DATE")}
UNITS = ("SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "YEAR")


@dataclass
class Generator:
    """Expressions of a wanted type, built from a seeded random source."""

    rnd: random.Random
    max_depth: int = 3
    forms: dict = field(default_factory=dict)

    def expression(self, kind: str, depth: int = 0) -> str:
        if depth >= self.max_depth or self.rnd.random() < 0.25:
            return self.leaf(kind)
        maker = self.rnd.choice(RULES[kind] + SHARED)
        return maker(self, kind, depth + 1)

    def leaf(self, kind: str) -> str:
        if self.rnd.random() < 0.7:
            return self.rnd.choice(COLUMNS[kind])
        return self.rnd.choice(LITERALS[kind])

    def e(self, kind: str, depth: int) -> str:
        return self.expression(kind, depth)

    def small_int(self) -> str:
        return self.rnd.choice(["0", "1", "2", "3", "-1", "i", "iz", "inul", "ineg"])


def _pick(*options):
    return lambda g: g.rnd.choice(options)


# Each rule makes an expression of the kind asked for, its operands generated at the next depth.
def _arith(g, kind, d):
    op = g.rnd.choice(["+", "-", "*", "/", "%"])
    other = g.rnd.choice(NUMERIC) if kind == "DOUBLE" else kind
    if op == "%":
        return f"MOD({g.e(kind, d)}, {g.e(kind, d)})" if kind in ("INT", "BIGINT") else f"({g.e(kind, d)} * {g.e(other, d)})"
    return f"({g.e(kind, d)} {op} {g.e(other, d)})"


def _unary_numeric(g, kind, d):
    fn = g.rnd.choice(["ABS", "-", "FLOOR", "CEIL", "SIGN"] if kind != "DOUBLE" else
                      ["ABS", "-", "FLOOR", "CEIL", "SIGN", "SQRT", "LN", "EXP", "SIN", "DEGREES"])
    inner = g.e(kind, d)
    return f"(-{inner})" if fn == "-" else f"{fn}({inner})"


def _round(g, kind, d):
    fn = g.rnd.choice(["ROUND", "TRUNCATE"])
    return f"{fn}({g.e(kind, d)}, {g.rnd.choice(['0', '1', '2', '-1'])})"


def _power(g, kind, d):
    return f"POWER({g.e(g.rnd.choice(NUMERIC), d)}, {g.e(g.rnd.choice(('INT', 'DOUBLE')), d)})"


def _length(g, kind, d):
    fn = g.rnd.choice(["CHAR_LENGTH({})", "POSITION('a' IN {})", "ASCII({})", "CHARACTER_LENGTH({})"])
    return fn.format(g.e("STRING", d))


def _extract(g, kind, d):
    unit = g.rnd.choice(["YEAR", "MONTH", "DAY", "QUARTER", "DOW", "DOY", "WEEK"])
    return f"EXTRACT({unit} FROM {g.e(g.rnd.choice(('DATE', 'TIMESTAMP')), d)})"


def _timestampdiff(g, kind, d):
    return (f"TIMESTAMPDIFF({g.rnd.choice(UNITS)}, {g.e('TIMESTAMP', d)}, {g.e('TIMESTAMP', d)})")


def _cast(g, kind, d):
    return f"CAST({g.e(g.rnd.choice(CAST_SOURCES[kind]), d)} AS {CAST_TARGETS[kind]})"


def _try_cast(g, kind, d):
    source = g.rnd.choice(CAST_SOURCES[kind])
    return f"TRY_CAST({g.e(source, d)} AS {CAST_TARGETS[kind]})"


def _case(g, kind, d):
    if g.rnd.random() < 0.5:
        return f"CASE WHEN {g.e('BOOLEAN', d)} THEN {g.e(kind, d)} ELSE {g.e(kind, d)} END"
    subject = g.rnd.choice(ORDERED)
    return (f"CASE {g.e(subject, d)} WHEN {g.e(subject, d)} THEN {g.e(kind, d)} "
            f"WHEN {g.leaf(subject)} THEN {g.e(kind, d)} END")


def _coalesce(g, kind, d):
    fn = g.rnd.choice(["COALESCE({}, {})", "NULLIF({}, {})", "IFNULL({}, {})"])
    return fn.format(g.e(kind, d), g.e(kind, d))


def _if(g, kind, d):
    return f"IF({g.e('BOOLEAN', d)}, {g.e(kind, d)}, {g.e(kind, d)})"


def _greatest(g, kind, d):
    return f"{g.rnd.choice(['GREATEST', 'LEAST'])}({g.e(kind, d)}, {g.e(kind, d)})"


def _string_fn(g, kind, d):
    s = g.e("STRING", d)
    choice = g.rnd.randrange(14)
    return [
        lambda: f"UPPER({s})", lambda: f"LOWER({s})", lambda: f"TRIM({s})", lambda: f"LTRIM({s})",
        lambda: f"SUBSTRING({s} FROM {g.small_int()} FOR {g.small_int()})",
        lambda: f"CONCAT({s}, {g.e('STRING', d)})", lambda: f"({s} || {g.e('STRING', d)})",
        lambda: f"REPLACE({s}, 'l', {g.leaf('STRING')})", lambda: f"LPAD({s}, {g.small_int()}, '*')",
        lambda: f"RPAD({s}, {g.small_int()}, 'ab')", lambda: f"INITCAP({s})", lambda: f"REVERSE({s})",
        lambda: f"SPLIT_INDEX({s}, ',', {g.small_int()})", lambda: f"REPEAT({s}, {g.small_int()})",
    ][choice]()


def _to_string(g, kind, d):
    choice = g.rnd.randrange(3)
    if choice == 0:
        return f"CAST({g.e(g.rnd.choice(list(CAST_TARGETS)), d)} AS STRING)"
    if choice == 1:
        return f"DATE_FORMAT({g.e('TIMESTAMP', d)}, {g.rnd.choice(['yyyy-MM-dd', 'HH:mm:ss', 'yyyy/MM/dd HH'])!r})"
    return f"CONCAT_WS('-', {g.e('STRING', d)}, {g.e('STRING', d)})"


def _compare(g, kind, d):
    subject = g.rnd.choice(ORDERED)
    op = g.rnd.choice(["=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM"])
    return f"({g.e(subject, d)} {op} {g.e(subject, d)})"


def _logic(g, kind, d):
    choice = g.rnd.randrange(7)
    if choice == 0:
        return f"NOT {g.e('BOOLEAN', d)}"
    if choice in (1, 2):
        return f"({g.e('BOOLEAN', d)} {g.rnd.choice(['AND', 'OR'])} {g.e('BOOLEAN', d)})"
    if choice == 3:
        return f"({g.e(g.rnd.choice(ORDERED), d)} IS {g.rnd.choice(['NULL', 'NOT NULL'])})"
    if choice == 4:
        return f"({g.e('BOOLEAN', d)} IS {g.rnd.choice(['TRUE', 'FALSE', 'NOT TRUE', 'NOT FALSE', 'UNKNOWN'])})"
    subject = g.rnd.choice(ORDERED)
    if choice == 5:
        return f"({g.e(subject, d)} BETWEEN {g.e(subject, d)} AND {g.e(subject, d)})"
    return f"({g.e(subject, d)} {g.rnd.choice(['IN', 'NOT IN'])} ({g.leaf(subject)}, {g.leaf(subject)}))"


def _like(g, kind, d):
    return f"({g.e('STRING', d)} {g.rnd.choice(['LIKE', 'NOT LIKE'])} {g.rnd.choice(['%l%', 'H_%', '', '%', 'a%'])!r})"


def _date(g, kind, d):
    choice = g.rnd.randrange(3)
    if choice == 0:
        return f"CAST({g.e('TIMESTAMP', d)} AS DATE)"
    if choice == 1:
        return f"({g.e('DATE', d)} + INTERVAL '{g.rnd.randint(-40, 400)}' DAY)"
    return f"TIMESTAMPADD({g.rnd.choice(['DAY', 'MONTH', 'YEAR'])}, {g.small_int()}, {g.e('DATE', d)})"


def _timestamp(g, kind, d):
    choice = g.rnd.randrange(4)
    if choice == 0:
        return f"TIMESTAMPADD({g.rnd.choice(UNITS)}, {g.small_int()}, {g.e('TIMESTAMP', d)})"
    if choice == 1:
        return f"{g.rnd.choice(['FLOOR', 'CEIL'])}({g.e('TIMESTAMP', d)} TO {g.rnd.choice(UNITS[:4])})"
    if choice == 2:
        return f"({g.e('TIMESTAMP', d)} - INTERVAL '{g.rnd.randint(0, 90)}' {g.rnd.choice(UNITS[:4])})"
    return f"CAST({g.e('DATE', d)} AS TIMESTAMP(3))"


SHARED = [_case, _coalesce, _if, _cast]
RULES = {
    "INT": [_arith, _unary_numeric, _length, _extract, _timestampdiff, _greatest, _try_cast],
    "BIGINT": [_arith, _unary_numeric, _greatest],
    "DOUBLE": [_arith, _unary_numeric, _round, _power, _greatest],
    "DECIMAL": [_arith, _unary_numeric, _round, _greatest],
    "STRING": [_string_fn, _string_fn, _to_string, _greatest],
    "BOOLEAN": [_compare, _compare, _logic, _logic, _like],
    "DATE": [_date, _greatest],
    "TIMESTAMP": [_timestamp, _greatest],
}


def expressions(seed: int, count: int) -> list[str]:
    """``count`` distinct expressions of every type, the same for the same seed."""
    g = Generator(random.Random(seed))
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen.setdefault(g.expression(g.rnd.choice(list(RULES))), None)
    return list(seen)


@dataclass
class Verdicts:
    flink_refused: int = 0
    replay_refused: int = 0
    identical: int = 0
    different: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.identical} identical, {len(self.different)} different, {self.replay_refused} refused by "
                f"the replay, {self.flink_refused} refused by Flink")


def run(flink_engine, project, sqls: list[str], progress=None) -> Verdicts:
    """Each expression planned by Flink alone (what it refuses is its check's to report), those it takes
    evaluated by Flink in batches and by the DuckDB replay one by one, and judged."""
    from streamscore import semantics

    flink = semantics.FlinkSide(flink_engine, CORPUS)
    duck = semantics.DuckDBSide(project, CORPUS)
    verdicts = Verdicts()
    try:
        planned = []
        for number, sql in enumerate(sqls, 1):
            try:
                flink.t_env.sql_query(f"SELECT {sql} AS v FROM {flink.database}.t")
            except Exception:  # noqa: BLE001 - Flink's refusal
                verdicts.flink_refused += 1
                continue
            planned.append(semantics.Expression("fuzz", number, sql))
        for start in range(0, len(planned), semantics.BATCH):
            batch = planned[start:start + semantics.BATCH]
            for expression, expected in zip(batch, flink.evaluate(batch)):
                outcome = semantics.judge(expression, expected, duck)
                if outcome.verdict == "refused":
                    verdicts.replay_refused += 1
                elif outcome.verdict == "identical":
                    verdicts.identical += 1
                else:
                    verdicts.different.append((expression.sql, outcome.detail))
            if progress:
                progress(f"{min(start + semantics.BATCH, len(planned))}/{len(planned)} evaluated: {verdicts.line()}")
    finally:
        duck.close()
    return verdicts


def main(argv=None) -> int:
    import argparse

    from streamscore.engines.flink import FlinkEngine
    from streamscore.project import Project

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args(argv)
    project = Project(Path(__file__).parent.parent)
    verdicts = run(FlinkEngine(project), project, expressions(args.seed, args.count), progress=print)
    for sql, detail in verdicts.different:
        print(f"DIFFERENT  {sql}\n           {detail}")
    print(verdicts.line())
    return 1 if verdicts.different else 0


if __name__ == "__main__":
    raise SystemExit(main())
