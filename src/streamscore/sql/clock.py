"""The replay's clock: CURRENT_TIMESTAMP and its kin read one instant the user states.

Flink evaluates these functions on the wall clock (per record in streaming), so no replay can reproduce
them; a replay over history usually means "as of" some instant instead. With a stated clock (``replay
--clock 2024-03-10T10:00:00Z``, or ``clock = ...`` in connectors/replay.toml) each call becomes that instant
in Flink's own terms (``TO_TIMESTAMP_LTZ(epoch_ms, 3)``, cast as the function's type), before either replay
engine sees the job: the DuckDB translation and the Flink replay read the same expressions. Calls whose value
is not a time (PROCTIME, UUID, RAND) stay refused. ``run`` never uses a clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlglot import exp

from streamscore.errors import ConfigError
from streamscore.sql.dialect import Flink
from streamscore.sql.statements import Job, Statement

# Flink's clock functions and the type each gives (None: the instant itself, a TIMESTAMP_LTZ(3)).
CLOCK_FUNCTIONS = {"CURRENT_TIMESTAMP": None, "NOW": None, "CURRENT_ROW_TIMESTAMP": None,
                   "LOCALTIMESTAMP": "TIMESTAMP(3)", "CURRENT_DATE": "DATE", "CURRENT_TIME": "TIME(0)",
                   "LOCALTIME": "TIME(0)"}
CLOCK_NODES = {exp.CurrentTimestamp: "CURRENT_TIMESTAMP", exp.CurrentDate: "CURRENT_DATE",
               exp.CurrentTime: "CURRENT_TIME"}  # the ones sqlglot parses into nodes of their own
CLOCK_OPTION = "state the replay's clock (replay --clock 2024-03-10T10:00:00Z, or clock = \"...\" in " \
               "connectors/replay.toml) or use an event-time column"


def parse_clock(text: str) -> dt.datetime:
    """An instant: ISO 8601 with a zone (``2024-03-10T10:00:00Z``, ``...+01:00``); without one, UTC."""
    try:
        instant = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"clock {text!r} is not an ISO 8601 instant (2024-03-10T10:00:00Z)") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.timezone.utc)


def clock_function(node: exp.Expr) -> str | None:
    """The clock function ``node`` calls, if any (LOCALTIMESTAMP and LOCALTIME parse as bare columns)."""
    if type(node) in CLOCK_NODES:
        return CLOCK_NODES[type(node)]
    if isinstance(node, exp.Anonymous) and node.name.upper() in CLOCK_FUNCTIONS:
        return node.name.upper()
    if isinstance(node, exp.Column) and not node.table and not node.this.quoted \
            and node.name.upper() in ("LOCALTIMESTAMP", "LOCALTIME"):
        return node.name.upper()
    return None


def _instant(function: str, instant: dt.datetime) -> exp.Expr:
    target = CLOCK_FUNCTIONS[function]
    millis = int(instant.timestamp() * 1000)
    if target == "TIME(0)":
        millis -= millis % 1000  # whole seconds
    value = exp.Anonymous(this="TO_TIMESTAMP_LTZ", expressions=[exp.Literal.number(millis), exp.Literal.number(3)])
    if target == "TIME(0)":  # the local wall time first: a TIME from a TIMESTAMP_LTZ is the same in Flink
        value = exp.Cast(this=value, to=exp.DataType.build("TIMESTAMP(3)", dialect=Flink))
    return value if target is None else exp.Cast(this=value, to=exp.DataType.build(target, dialect=Flink))


def at_clock(tree: exp.Expr, instant: dt.datetime) -> exp.Expr:
    """``tree`` with every clock function read at ``instant``."""
    def replace(node):
        function = clock_function(node)
        return _instant(function, instant) if function else node

    return tree.transform(replace)


def with_clock(job: Job, instant: dt.datetime | None) -> Job:
    """The job as a replay at ``instant`` runs it: views and INSERTs calling a clock function rewritten (their
    text re-rendered for Flink), everything else as written. ``None``: the job unchanged."""
    if instant is None:
        return job

    new: dict[int, Statement] = {}  # id of a statement rewritten -> its rewrite

    def rewritten(definition):
        """A view or INSERT (parsed) whose statement calls a clock function, with its statement read at the
        clock: the tree's query in it, the text re-rendered."""
        stmt = definition.statement
        if definition.query is None or not any(clock_function(n) for n in stmt.tree.walk()):
            return definition
        tree = at_clock(stmt.tree.copy(), instant)
        text = tree.sql(Flink)
        query_at = text.index(tree.expression.sql(Flink)) if isinstance(tree, exp.Insert) else None
        new[id(stmt)] = dataclasses.replace(stmt, tree=tree, text=text, query_at=query_at)
        return dataclasses.replace(definition, query=tree.expression, statement=new[id(stmt)])

    return dataclasses.replace(job, views={name: rewritten(view) for name, view in job.views.items()},
                               inserts=[rewritten(insert) for insert in job.inserts],
                               statements=[new.get(id(s), s) for s in job.statements])
