"""Changelog sources: tables whose records are changes to rows (Debezium's envelope, upsert-kafka's keyed
records), not rows.

Flink reads each `debezium-json` record as changes: `c` and `r` (a snapshot read) insert the `after` row,
`u` retracts the `before` row and inserts the `after` one, `d` retracts the `before` row; any other record
fails the job (unless the table sets 'debezium-json.ignore-parse-errors', which skips it). The replay reads a file of such records and queries the table
as it stands after the last change: over a changelog, Flink's operators that keep no time (projections,
filters, regular joins and aggregates, top-N, DISTINCT) end with the rows the same query gives over that
table, and an updating sink's final rows are what a replay compares. Operators over time (windows, OVER,
MATCH_RECOGNIZE, interval and temporal joins) need the changes in time and are refused.

An `upsert-kafka` table's records are Kafka records: a value upserts the row of its primary key, a tombstone
(no value) deletes it. Its replay input is JSON Lines of records, ``{"key": {...}, "value": {...} or null}``
(what a topic input or `verify --kafka` captures), or Parquet rows (as a pipeline's upstream job gives),
each an upsert. Both engines turn them into the Debezium changes Flink's normalization of an upsert
stream gives (an insert for a new key, an update with the key's last row before it, a delete of that row), so
one rule applies a changelog.
"""

from __future__ import annotations

from streamscore.errors import ConfigError, EngineError

CHANGELOG_FORMATS = ("debezium-json",)
UPSERT = "upsert-kafka"
OPERATIONS = {"c": "+I", "r": "+I", "u": "-U/+U", "d": "-D"}
POSITION = "__change"  # a record's place in its file


def changelog_format(table) -> str | None:
    """The table's changelog format (``UPSERT`` for an upsert-kafka table), or None for a table of rows."""
    if table.options.get("connector") == UPSERT:
        return UPSERT
    fmt = table.options.get("format") or table.options.get("value.format")
    return fmt if fmt in CHANGELOG_FORMATS else None


def _option(table, name: str) -> bool:
    return table.options.get(f"debezium-json.{name}", "false").lower() == "true"


def _payload(table) -> str:
    """Where the envelope's fields are: under `payload` when the records include Debezium's schema."""
    return "payload." if _option(table, "schema-include") else ""


def envelope_columns(table, struct: str) -> dict[str, str]:
    """The columns DuckDB reads from a file of the table's records (``struct``: the DuckDB STRUCT type of a
    row)."""
    envelope = {"before": struct, "after": struct, "op": "VARCHAR"}
    if _payload(table):
        return {"payload": "STRUCT(" + ", ".join(f"{k} {v}" for k, v in envelope.items()) + ")"}
    return envelope


def final_rows_sql(table, records: str, columns: list[str]) -> str:
    """The table after its last change, from ``records`` (a DuckDB relation of the file's records with
    ``envelope_columns`` and ``POSITION``): each row as many times as it was inserted and not retracted, in
    the order of its last insertion (what order-sensitive aggregates see)."""
    payload = _payload(table)
    fields = ", ".join(f"__row.{c} AS {c}" for c in columns)
    return (
        f"WITH changes AS ("
        f"SELECT {payload}after AS __row, 1 AS __sign, {POSITION} FROM {records} "
        f"WHERE {payload}op IN ('c', 'r', 'u') "
        f"UNION ALL SELECT {payload}before, -1, {POSITION} FROM {records} WHERE {payload}op IN ('u', 'd')), "
        f"standing AS (SELECT __row, CAST(sum(__sign) AS BIGINT) AS __count, max({POSITION}) FILTER (WHERE __sign > 0) AS __last "
        f"FROM changes GROUP BY __row) "
        f"SELECT {fields} FROM standing, range(standing.__count) WHERE standing.__count > 0 ORDER BY __last")


def check_records(con, table, records: str) -> str:
    """``records`` without what Flink skips; a record Flink refuses is an error: no or an unknown op (not a
    change record), an update or delete without its `before` row (a Postgres table without REPLICA
    IDENTITY FULL), an insert without `after`."""
    payload = _payload(table)
    wrong = (f"{payload}op IS NULL OR {payload}op NOT IN ('c', 'r', 'u', 'd') "
             f"OR ({payload}op IN ('u', 'd') AND {payload}before IS NULL) "
             f"OR ({payload}op IN ('c', 'r', 'u') AND {payload}after IS NULL)")
    if _option(table, "ignore-parse-errors"):
        return f"(SELECT * FROM {records} WHERE NOT ({wrong}))"
    bad = con.execute(f"SELECT {POSITION}, {payload}op FROM {records} WHERE {wrong} ORDER BY {POSITION} "
                      "LIMIT 1").fetchone()
    if bad is None:
        return records
    place, op = bad
    if op is None or op not in OPERATIONS:
        reason = (f"unknown op {op!r}" if op is not None else "no op") + \
            ": not a Debezium change record (ops c, r, u, d)"
    elif op in ("u", "d"):
        reason = (f"op {op!r} without its `before` row (a Postgres table needs REPLICA IDENTITY FULL for Debezium "
                  "to send it)")
    else:
        reason = f"op {op!r} without its `after` row"
    raise EngineError(f"`{table.name}` ({changelog_format(table)}): record {place + 1}: {reason}; Flink fails the "
                      "job on it too ('debezium-json.ignore-parse-errors' = 'true' skips such records)")


def versions_sql(table, records: str, columns: list[str]) -> str:
    """Every version of a changelog table with event time, the versioned table a temporal join reads (Flink's
    temporal join keeps each row a change brings, at its row time): the row each insert or update brings,
    in record order. ``records`` as for ``final_rows_sql``, without deletes (``refuse_deletes``)."""
    payload = _payload(table)
    fields = ", ".join(f"{payload}after.{c} AS {c}" for c in columns)
    return f"SELECT {fields} FROM {records} WHERE {payload}op IN ('c', 'r', 'u') ORDER BY {POSITION}"


def refuse_deletes(con, table, records: str) -> None:
    """A delete in a versioned table: Flink's temporal join files it at a row time of its own (the deleted
    row's, or none for a tombstone), which the replay does not follow yet."""
    payload = _payload(table)
    found = con.execute(f"SELECT {POSITION} FROM {records} WHERE {payload}op = 'd' ORDER BY {POSITION} "
                        "LIMIT 1").fetchone()
    if found is not None:
        raise ConfigError(f"`{table.name}` ({changelog_format(table)}, a versioned table): record {found[0] + 1} "
                          "deletes a row; deletes in a versioned table are not replayed yet (`replay --engine "
                          "flink` runs it)")


def upsert_fields(table) -> tuple[list[str], list[str]]:
    """(the key's JSON fields, the value's JSON fields) of an upsert-kafka table's records: the key holds the
    primary key's columns (named without 'key.fields-prefix'), the value every physical column, or those
    outside the key under 'value.fields-include' = 'EXCEPT_KEY'."""
    if not table.primary_key:
        raise ConfigError(f"`{table.name}` is an upsert-kafka table without a PRIMARY KEY (Flink requires one)")
    for side in ("key", "value"):
        if table.options.get(f"{side}.format", "json") != "json":
            raise ConfigError(f"`{table.name}`: the replay reads upsert-kafka records in JSON; "
                              f"'{side}.format' = {table.options[f'{side}.format']!r} is not replayed")
    prefix = table.options.get("key.fields-prefix", "")
    key = [name[len(prefix):] for name in table.primary_key]
    physical = [c.name for c in table.columns if c.is_physical]
    except_key = table.options.get("value.fields-include", "ALL").upper() == "EXCEPT_KEY"
    return key, [c for c in physical if not (except_key and c in table.primary_key)]


def upsert_changes_sql(table, records: str, ident) -> str:
    """Debezium changes (``before``, ``after``, ``op``, ``POSITION``) from ``records``, a relation of an
    upsert-kafka table's records (``key`` and ``value`` structs and ``POSITION``), as Flink's normalization
    of the upsert stream emits them: per primary key in record order, a value inserts (no row before) or
    updates the key's row, a tombstone deletes the row (nothing when there is none). A row takes each column
    from the value, the key's columns from the key when the value leaves them out (EXCEPT_KEY)."""
    key_fields, value_fields = upsert_fields(table)
    from_key = dict(zip(table.primary_key, key_fields))
    physical = [c.name for c in table.columns if c.is_physical]

    def column(name: str) -> str:
        return f"value.{ident(name)}" if name in value_fields else f"key.{ident(from_key[name])}"

    row = "struct_pack(" + ", ".join(f"{ident(c)} := {column(c)}" for c in physical) + ")"
    keys = ", ".join(  # a tombstone's key is its Kafka key; a value's, its columns (as Flink's row has them)
        f"CASE WHEN value IS NULL THEN key.{ident(from_key[k])} ELSE {column(k)} END" for k in table.primary_key)
    return (
        f"SELECT __before AS before, __row AS after, "
        f"CASE WHEN __before IS NULL THEN 'c' WHEN __row IS NULL THEN 'd' ELSE 'u' END AS op, {POSITION} "
        f"FROM (SELECT __row, {POSITION}, lag(__row) OVER (PARTITION BY {keys} ORDER BY {POSITION}) AS __before "
        f"FROM (SELECT CASE WHEN value IS NULL THEN NULL ELSE {row} END AS __row, * FROM {records})) "
        f"WHERE __row IS NOT NULL OR __before IS NOT NULL")
