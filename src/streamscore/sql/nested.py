"""Flink's nested types (ROW, ARRAY, MAP) on DuckDB: functions and rewrites as data.

What sqlglot already renders with Flink's meaning needs no rule here: field access (``t.col.field``, a
STRUCT in DuckDB), ``ARRAY[...]`` (a list), ``arr[i]`` with a constant index and ``m['k']`` (NULL out of range
or for a missing key in both engines). The rest is spelled out below; anything else nested is refused by the
translation's allow-list.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

# Functions (exp.Anonymous by name) as DuckDB templates over their arguments ({0}, {1}, ...).
NESTED_FUNCTIONS: dict[str, str] = {
    # Flink's CARDINALITY is an INT, of an ARRAY or a MAP (DuckDB's counts both)
    "CARDINALITY": "CAST(cardinality({0}) AS INTEGER)",
    # ELEMENT: the only element, NULL of an empty array; more than one fails Flink's job, and so the replay
    "ELEMENT": "CASE WHEN len({0}) > 1 THEN error('ELEMENT of an array with more than one element (Flink "
               "fails the job)') ELSE {0}[1] END",
}

# Functions translated by a typed rule (nested_typed), once their arguments' types are known.
TYPED_FUNCTIONS = frozenset({"JSON_ARRAY", "JSON_ARRAYAGG"})
# Nodes sqlglot parses that DuckDB runs with Flink's meaning (the translation's allow-list takes them).
NESTED_NODES = frozenset({exp.Array, exp.Unnest, exp.StrToMap, exp.JSONObject, exp.ArrayAgg})
# JSON_OBJECT values whose JSON text DuckDB writes as Flink does (Jackson): strings, integers, booleans, NULL.
JSON_OBJECT_TYPES = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR, exp.DType.TINYINT, exp.DType.SMALLINT,
                     exp.DType.INT, exp.DType.BIGINT, exp.DType.BOOLEAN, exp.DType.NULL)

# STR_TO_MAP(text[, list delimiter, key-value delimiter]) as Flink's SqlFunctionUtils.strToMap computes it with
# Java's String.split: '' is an empty map; pairs split on the list delimiter, trailing empty pairs dropped; each
# pair at its first key-value delimiter (none: the pair is a key with a NULL value); a repeated key keeps its
# last value. {t}: the text, {ld}/{kv}: the delimiters (plain text here, see _str_to_map).
# Lambda parameters are named stm_*: a lambda around the result (the function corpus has one) with a
# parameter of the same name would be read in their place.
STR_TO_MAP_PAIRS = ("list_transform(list_slice(string_split({t}, {ld}), 1, coalesce(len(string_split({t}, {ld})) - "
                    "list_position(list_reverse(list_transform(string_split({t}, {ld}), lambda stm_part: stm_part <> '')), true) "
                    "+ 1, 0)), lambda stm_pair: {{'key': CASE WHEN strpos(stm_pair, {kv}) = 0 THEN stm_pair ELSE "
                    "substr(stm_pair, 1, strpos(stm_pair, {kv}) - 1) END, 'value': CASE WHEN strpos(stm_pair, {kv}) = 0 "
                    "THEN NULL ELSE substr(stm_pair, strpos(stm_pair, {kv}) + length({kv})) END}})")
STR_TO_MAP_SQL = ("CAST(CASE WHEN {t} = '' THEN map_from_entries([]) ELSE map_from_entries(list_filter({pairs}, "
                  "lambda stm_entry, stm_at: NOT list_contains(list_transform(list_slice({pairs}, stm_at + 1, "
                  "len({pairs})), lambda stm_later: stm_later.key), stm_entry.key))) "
                  "END AS MAP(VARCHAR, VARCHAR))")
REGEX_CHARACTERS = set(".$|()[]{}^?*+\\")


def nested_rewrite(node: exp.Expr) -> exp.Expr:
    """Untyped rules (before names are qualified): ``MAP[k, v, ...]`` as a DuckDB map, STR_TO_MAP."""
    if isinstance(node, exp.StrToMap):
        return _str_to_map(node)
    return _map_constructor(node) if _is_map_constructor(node) else node


def _is_map_constructor(node: exp.Expr) -> bool:
    return isinstance(node, exp.Bracket) and isinstance(node.this, exp.Column) and not node.this.table \
        and node.this.name.upper() == "MAP" and not node.this.this.quoted


def _map_constructor(node: exp.Bracket) -> exp.Expr:
    items = node.expressions
    if len(items) % 2:
        raise ValueError("MAP[...] needs key/value pairs")
    keys, values = items[0::2], items[1::2]
    # Flink keeps the last value of a repeated key; DuckDB's map rejects one: constant, distinct keys only.
    if not all(isinstance(k, exp.Literal) for k in keys) or len({(k.is_string, k.name) for k in keys}) < len(keys):
        raise ValueError("MAP[...] with keys that are not distinct constants cannot be replayed yet (Flink keeps "
                         "the last value of a repeated key)")
    return exp.VarMap(keys=exp.Array(expressions=[k.copy() for k in keys]),
                      values=exp.Array(expressions=[v.copy() for v in values]))


def nested_typed(node: exp.Expr) -> exp.Expr:
    """Typed rules: an array element at an index that is not a constant: NULL below 1, as Flink (DuckDB would
    count a negative index from the end); ``[CROSS|LEFT] JOIN UNNEST(...)`` as a lateral subquery."""
    if isinstance(node, exp.Unnest) and isinstance(node.parent, exp.Join) and node.arg_key == "this":
        return _unnest(node)
    if isinstance(node, exp.JSONObject):
        return _json_object(node)
    if isinstance(node, exp.Anonymous) and node.name.upper() == "JSON_ARRAY":
        return _json_array(node)
    if isinstance(node, exp.Anonymous) and node.name.upper() == "JSON_ARRAYAGG":
        return _json_arrayagg(node)
    if isinstance(node, exp.ArrayAgg) and node.meta.get(FLINK_ARRAY_AGG):
        return _array_agg(node)
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1 and node.this.type is not None \
            and node.this.type.is_type(exp.DType.ARRAY):
        index = node.expressions[0]
        if isinstance(index, exp.Literal) or (isinstance(index, exp.Paren) and isinstance(index.this, exp.Literal)):
            return node
        guarded = exp.Case(ifs=[exp.If(this=exp.GTE(this=index.copy(), expression=exp.Literal.number(1)),
                                       true=node.copy())])
        guarded.type = node.type
        return guarded
    return node


# -- NOT NULL elements --------------------------------------------------------------------------------
NOT_NULL_ACCESS = ("{what} of `{column}`, whose {part} is declared NOT NULL: where there is none (an index out "
                   "of range, a missing key, a NULL or empty collection) Flink gives a made-up value (seen: '' for "
                   "a STRING) instead of NULL, which a replay cannot reproduce")
NOT_NULL_HINT = "declare the element type without NOT NULL (ARRAY<STRING>, MAP<STRING, INT>)"


def refuse_not_null_access(tree: exp.Expr, tables: dict[str, dict[str, exp.DataType]]) -> exp.Expr | None:
    """The first element access, map access or ELEMENT in ``tree`` (Flink SQL, before translation) on an ARRAY
    or MAP whose elements (values) are declared NOT NULL, or None. ``tables``: each table's declared column
    types. A collection the names do not lead to (a view's column) counts as NOT NULL when any table declares
    such a collection."""
    declared_anywhere = any(_has_not_null_element(t) for columns in tables.values() for t in columns.values())
    for node in tree.walk():
        if isinstance(node, exp.Bracket) and not _is_map_constructor(node):
            base = node.this
        elif isinstance(node, exp.Anonymous) and node.name.upper() == "ELEMENT" and node.expressions:
            base = node.expressions[0]
        else:
            continue
        if isinstance(base, exp.Array) or _is_map_constructor(base):
            return node  # ARRAY[1, 2] and MAP['k', 1] are of NOT NULL elements when all of them are
        kinds = _declared_types(base, tables)
        if any(_not_null_element(k) for k in kinds) or (not kinds and declared_anywhere
                                                        and isinstance(base, (exp.Column, exp.Dot))):
            return node
    return None


def _declared_types(node: exp.Expr, tables: dict[str, dict[str, exp.DataType]]) -> list[exp.DataType]:
    """The declared types a column reference (``t.col.field.field``) may have, by name."""
    if isinstance(node, exp.Dot):
        return [f for t in _declared_types(node.this, tables) if (f := _field(t, node.expression.name)) is not None]
    if not isinstance(node, exp.Column):
        return []
    parts = [p.name for p in node.parts]
    found = []
    for start in range(len(parts)):  # a qualifier (alias, table) may come before the column
        for columns in tables.values():
            kind = columns.get(parts[start])
            for name in parts[start + 1:]:
                kind = _field(kind, name) if kind is not None else None
            if kind is not None:
                found.append(kind)
    return found


def _field(kind: exp.DataType, name: str) -> exp.DataType | None:
    if not kind.is_type(exp.DType.STRUCT):
        return None
    return next((f.args.get("kind") for f in kind.expressions if isinstance(f, exp.ColumnDef) and f.name == name),
                None)


def _not_null_element(kind: exp.DataType) -> bool:
    if kind.is_type(exp.DType.ARRAY) and kind.expressions:
        return kind.expressions[0].args.get("nullable") is False
    if kind.is_type(exp.DType.MAP) and len(kind.expressions) == 2:
        return kind.expressions[1].args.get("nullable") is False
    return False


def _has_not_null_element(kind: exp.DataType) -> bool:
    return any(_not_null_element(k) for k in kind.find_all(exp.DataType))


# -- UNNEST ---------------------------------------------------------------------------------------------
# ``JOIN UNNEST(c) [WITH ORDINALITY] AS t(a, ...)``: one row per element of an ARRAY (a ROW's fields as columns),
# per entry of a MAP (key, value); the ordinality (1, 2, ...) last, an INT as in Flink. DuckDB's UNNEST in a
# SELECT list, as a lateral subquery, expands the same rows (several UNNESTs there zip).
# A NULL element of an ARRAY of ROWs gives no row in Flink (its job fails WITH ORDINALITY); a NULL single value
# gives a NULL row.
UNNEST_SQL = "LATERAL (SELECT {columns} FROM (SELECT {unnests}){where}) AS {alias}"
NULL_ROWS = {False: " WHERE __element IS NOT NULL",
             True: " WHERE CASE WHEN __element IS NULL THEN error('UNNEST WITH ORDINALITY of an ARRAY of ROWs holding "
                   "a NULL element (Flink fails the job: ArrayIndexOutOfBoundsException)') ELSE true END"}


def _unnest(node: exp.Unnest) -> exp.Expr:
    if len(node.expressions) != 1:
        raise ValueError("UNNEST of more than one collection cannot be replayed yet")
    value = node.expressions[0]
    kind = value.type
    alias = node.args.get("alias")
    names = [c.name for c in alias.columns] if alias is not None else []
    ordinality = node.args.get("offset")  # WITH ORDINALITY: the last alias column (sqlglot keeps it apart)
    arg = value.sql("duckdb")
    where = ""
    if kind is not None and kind.is_type(exp.DType.ARRAY) and kind.expressions:
        element = kind.expressions[0]
        unnests = [f"UNNEST({arg}) AS __element"]
        if element.is_type(exp.DType.STRUCT):
            fields = [f.name for f in element.expressions if isinstance(f, exp.ColumnDef)]
            names = names or fields
            if len(names) != len(fields):
                raise ValueError(f"UNNEST of ROWs with {len(fields)} fields named by {len(names)} columns")
            columns = [f"__element.{_quoted(f)} AS {_quoted(n)}" for f, n in zip(fields, names)]
            where = NULL_ROWS[bool(ordinality)]
        else:
            if len(names) != 1:
                raise ValueError("UNNEST of an ARRAY of single values needs one column name: AS t(x)")
            columns = [f"__element AS {_quoted(names[0])}"]
    elif kind is not None and kind.is_type(exp.DType.MAP):
        if len(names) != 2:
            raise ValueError("UNNEST of a MAP needs two column names (key, value): AS t(k, v)")
        unnests = [f"UNNEST(map_keys({arg})) AS __key", f"UNNEST(map_values({arg})) AS __value"]
        columns = [f"__key AS {_quoted(names[0])}", f"__value AS {_quoted(names[1])}"]
    else:
        raise ValueError(f"UNNEST of `{value.sql('duckdb')}`: only an ARRAY or a MAP of a known type can be replayed")
    if ordinality:
        unnests.append(f"CAST(UNNEST(range(1, len({arg}) + 1)) AS INTEGER) AS __ordinal")
        name = ordinality.name if isinstance(ordinality, exp.Identifier) else "ordinality"
        columns.append(f"__ordinal AS {_quoted(name)}")
    table = alias.name if alias is not None and alias.name else "unnested"
    sql = UNNEST_SQL.format(columns=", ".join(columns), unnests=", ".join(unnests), where=where, alias=_quoted(table))
    select = sqlglot.parse_one(f"SELECT * FROM __outer CROSS JOIN {sql}", read="duckdb")
    return select.args["joins"][0].this


def _quoted(name: str) -> str:
    return exp.to_identifier(name).sql("duckdb")


def _str_to_map(node: exp.StrToMap) -> exp.Expr:
    delimiters = []
    for key, default in (("pair_delim", ","), ("key_value_delim", "=")):
        given = node.args.get(key)
        if given is not None and not (isinstance(given, exp.Literal) and given.is_string and given.name):
            raise ValueError("STR_TO_MAP's delimiters must be constant text to be replayed")
        text = default if given is None else given.name
        if set(text) & REGEX_CHARACTERS:  # Flink reads them as Java regular expressions
            raise ValueError(f"STR_TO_MAP with the delimiter {text!r}: Flink reads it as a Java regular expression, "
                             "which the replay does not reproduce")
        delimiters.append(exp.Literal.string(text).sql("duckdb"))
    text = f"({node.this.sql('duckdb')})"
    pairs = STR_TO_MAP_PAIRS.format(t=text, ld=delimiters[0], kv=delimiters[1])
    return exp.paren(sqlglot.parse_one(STR_TO_MAP_SQL.format(t=text, pairs=pairs), read="duckdb"), copy=False)


def _json_object(node: exp.JSONObject) -> exp.Expr:
    """``JSON_OBJECT(KEY 'k' VALUE v, ...)`` (NULL ON NULL, Flink's default): compact JSON text, keys in order
    (Flink sorts them, by Java's String order: UTF-16 code units)."""
    handling = str(node.args.get("null_handling") or "NULL ON NULL").upper()
    if handling not in ("NULL ON NULL", "ABSENT ON NULL"):
        raise ValueError(f"JSON_OBJECT ... {handling} cannot be replayed yet")
    arguments = []
    for pair in node.expressions:
        key, value = pair.this, pair.expression
        if not (isinstance(key, exp.Literal) and key.is_string):
            raise ValueError("JSON_OBJECT with a key that is not constant text cannot be replayed yet")
        json_value = _json_value(value, "JSON_OBJECT")
        if _is_json_text(value):  # raw JSON inside DuckDB's json_object
            json_value = exp.Cast(this=json_value, to=exp.DataType.build("JSON"))
        arguments.append((key.name, key.copy(), json_value))
    if len({name for name, _, _ in arguments}) < len(arguments):
        raise ValueError("JSON_OBJECT with a repeated key cannot be replayed yet")
    arguments.sort(key=lambda argument: argument[0].encode("utf-16-be"))
    if handling == "NULL ON NULL" or not arguments:
        return _json_text(exp.Anonymous(this="json_object", expressions=[n for _, k, v in arguments for n in (k, v)]))
    # ABSENT ON NULL: each member as its own one-key object's text, unwrapped; a NULL member is left out
    members = [exp.If(this=exp.Not(this=exp.Is(this=v.copy(), expression=exp.Null())),
                      true=exp.Anonymous(this="array_slice", expressions=[
                          exp.Cast(this=exp.Anonymous(this="json_object", expressions=[k, v]),
                                   to=exp.DataType.build("VARCHAR")),
                          exp.Literal.number(2), exp.Literal.number(-2)]))
               for _, k, v in arguments]
    return _json_text(_wrapped("{", [exp.Case(ifs=[m]) for m in members], "}"))


def _json_array(node: exp.Anonymous) -> exp.Expr:
    """``JSON_ARRAY(v, ...)`` (ABSENT ON NULL, Flink's default; the parser reads no other): compact JSON text,
    NULL values left out, a JSON_OBJECT/JSON_ARRAY value nested as JSON."""
    if not node.expressions:
        return _json_text(exp.Literal.string("[]"))
    return _json_text(_wrapped("[", [_json_item(value, "JSON_ARRAY") for value in node.expressions], "]"))


FLINK_ARRAY_AGG = "flink_array_agg"  # meta of an ARRAY_AGG the job wrote (the translation's own list() are not)
ARRIVAL_AGGREGATE = "arrival_aggregate"  # meta of an aggregate over its input's rows in arrival order


def in_arrival_order(aggregate: exp.AggFunc, value: exp.Expr) -> exp.AggFunc:
    """``aggregate`` over ``value`` ordered by arrival: the input's row order, DuckDB's rowid (the translation
    refuses it where the input is not a source read directly: Translator._arrival_order)."""
    aggregate.set("this", exp.Order(this=value, expressions=[exp.Ordered(this=exp.column("rowid"))]))
    aggregate.meta[ARRIVAL_AGGREGATE] = True
    return aggregate


def _refuse_distinct(node: exp.Expr, value: exp.Expr, function: str) -> None:
    if isinstance(value, exp.Distinct):
        raise ValueError(f"{function}(DISTINCT ...) is not replayed yet (the order of the kept values is not known)")


def _json_arrayagg(node: exp.Anonymous) -> exp.Expr:
    """``JSON_ARRAYAGG(v)`` (ABSENT ON NULL, the default and all the parser reads): the values' JSON in arrival
    order, NULLs left out; ``[]`` when none is left."""
    if len(node.expressions) != 1:
        raise ValueError("JSON_ARRAYAGG takes one value")
    value = node.expressions[0]
    _refuse_distinct(node, value, "JSON_ARRAYAGG")
    joined = in_arrival_order(exp.GroupConcat(separator=exp.Literal.string(",")), _json_item(value, "JSON_ARRAYAGG"))
    return _json_text(exp.DPipe(this=exp.DPipe(this=exp.Literal.string("["), expression=exp.Coalesce(
        this=joined, expressions=[exp.Literal.string("")])), expression=exp.Literal.string("]")))


def _array_agg(node: exp.ArrayAgg) -> exp.Expr:
    """``ARRAY_AGG(v)``: the values in arrival order, NULLs kept (RESPECT NULLS, Flink's default)."""
    if isinstance(node.parent, exp.IgnoreNulls):
        raise ValueError("ARRAY_AGG(... IGNORE NULLS) is not replayed yet")
    if isinstance(node.this, exp.Order):
        return node  # already in arrival order
    _refuse_distinct(node, node.this, "ARRAY_AGG")
    return in_arrival_order(exp.ArrayAgg(), node.this.copy())


def _wrapped(opening: str, items: list[exp.Expr], closing: str) -> exp.Expr:
    """``opening`` + the non-NULL items joined by commas + ``closing``, as text."""
    joined = exp.Anonymous(this="concat_ws", expressions=[exp.Literal.string(","), *items])  # skips NULLs
    return exp.DPipe(this=exp.DPipe(this=exp.Literal.string(opening), expression=joined),
                     expression=exp.Literal.string(closing))


def _json_value(value: exp.Expr, function: str) -> exp.Expr:
    """A value for a JSON constructor: text, an integer, a boolean, NULL, or another constructor's JSON (which
    Flink nests as JSON, not as a string); any other type is refused (its JSON text may differ from Flink's)."""
    kind = value.type
    if not (_is_json_text(value) or isinstance(value, exp.Null)
            or (kind is not None and kind.is_type(*JSON_OBJECT_TYPES))):
        shown = "a value of unknown type" if kind is None or kind.is_type(exp.DType.UNKNOWN) else kind.sql("duckdb")
        raise ValueError(f"{function} with {shown} (`{value.sql('duckdb')}`) cannot be replayed yet: only text, "
                         "integers, booleans and JSON_OBJECT/JSON_ARRAY values are written as Flink writes them")
    return value.copy()


def _json_item(value: exp.Expr, function: str) -> exp.Expr:
    """A value's JSON text as an array item (NULL for NULL): a constructor's JSON as it is."""
    text = _json_value(value, function)
    if _is_json_text(value):
        return text
    return exp.Cast(this=exp.Anonymous(this="to_json", expressions=[text]), to=exp.DataType.build("VARCHAR"))


JSON_TEXT = "flink_json_constructor"  # meta mark of a JSON_OBJECT/JSON_ARRAY translation: JSON, not a string


def _json_text(call: exp.Expr) -> exp.Expr:
    cast = exp.Cast(this=call, to=exp.DataType.build("VARCHAR"))
    cast.type = exp.DataType.build("VARCHAR")
    cast.meta[JSON_TEXT] = True
    return cast


def _is_json_text(value: exp.Expr) -> bool:
    while isinstance(value, exp.Paren):
        value = value.this
    return bool(value.meta.get(JSON_TEXT))
