"""Model calls checked before any job starts: the model loads, and each call passes the model's
features in number, name and type. Errors name the model, the argument and the fix."""

from __future__ import annotations

import importlib
from typing import Iterator

from sqlglot import exp

from streamscore.errors import ModelError
from streamscore.models.scorer import Model, model_of
from streamscore.sql.dialect import Flink
from streamscore.sql.statements import FunctionDef, Job, Statement

# Argument types a LightGBM feature cannot take (after DuckDB type annotation).
NON_NUMERIC = (exp.DType.TEXT, exp.DType.VARCHAR, exp.DType.CHAR, exp.DType.BOOLEAN, exp.DType.DATE,
               exp.DType.TIMESTAMP, exp.DType.TIMESTAMPTZ, exp.DType.TIMESTAMPNTZ, exp.DType.STRUCT,
               exp.DType.ARRAY, exp.DType.MAP, exp.DType.JSON)


def function_object(function: FunctionDef):
    """The Python object behind ``CREATE FUNCTION f AS 'module.attribute'`` (imported in this process)."""
    module_name, _, attribute = function.target.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise function.statement.error(ModelError, f"cannot load {function.target}: {error}") from None


def resolve_model(function: FunctionDef) -> Model:
    """The model behind a model function, loaded (and so checked) in this process."""
    try:
        return model_of(function_object(function))
    except ModelError as error:
        if str(error).startswith(str(function.statement.path)):
            raise
        raise function.statement.error(ModelError, f"function {function.name}: {error}") from None


def _calls(job: Job, tree: exp.Expr) -> list[exp.Anonymous]:
    names = {f.lower() for f in job.functions}
    return [call for call in tree.find_all(exp.Anonymous) if call.name.lower() in names]


def model_calls(job: Job, queries: list[tuple[exp.Expr, exp.Expr, Statement]]) \
        -> Iterator[tuple[FunctionDef, exp.Anonymous, exp.Anonymous, Statement]]:
    """(function, call as written, call in the typed tree, statement) for every model call.

    The call as written locates errors (translated nodes lose their positions)."""
    functions = {f.lower(): f for f in job.functions}
    for raw, typed, stmt in queries:
        raw_calls, typed_calls = _calls(job, raw), _calls(job, typed)
        if len(raw_calls) != len(typed_calls):
            typed_calls = raw_calls
        for written, call in zip(raw_calls, typed_calls):
            yield job.functions[functions[call.name.lower()]], written, call, stmt


def check_model_calls(job: Job, queries: list[tuple[exp.Expr, exp.Expr, Statement]]) -> dict[str, Model]:
    """Check every model call in ``queries``: (tree as written, tree with types or the same, statement)."""
    models: dict[str, Model] = {}
    for function, written, call, stmt in model_calls(job, queries):
        model = models.get(function.name) or resolve_model(function)
        models[function.name] = model
        features = model.metadata.features
        names = ", ".join(f["name"] for f in features)
        args = call.expressions
        if len(args) != len(features):
            raise stmt.error(ModelError, f"{function.name}() passes {len(args)} arguments but model "
                             f"{model.metadata.name} takes {len(features)} features: {names}", written,
                             "pass the feature columns in this order")
        for position, (arg, feature, place) in enumerate(zip(args, features, written.expressions), start=1):
            label = f"argument {position} of {function.name}()"
            column = arg.this if isinstance(arg, exp.Alias) else arg
            if isinstance(column, exp.Column) and column.name.lower() != feature["name"].lower():
                raise stmt.error(ModelError, f"{label} is column `{column.name}` but model {model.metadata.name}'s "
                                 f"feature {position} is `{feature['name']}` (features: {names})", place,
                                 f"pass `{feature['name']}` there, or alias the column AS {feature['name']}")
            if arg.type is not None and arg.type.is_type(*NON_NUMERIC):
                raise stmt.error(ModelError, f"{label} (`{place.sql(Flink)}`) is {arg.type.sql()} but model "
                                 f"{model.metadata.name}'s feature `{feature['name']}` is {feature['type']}",
                                 place, f"CAST it to {feature['type']}")
    return models


def check_job_models(job: Job, translator=None) -> dict[str, Model]:
    """Check the job's model calls, with types when the job translates (it may not: Flink-only SQL)."""
    from streamscore.errors import TranslationError
    from streamscore.sql.translate import Translator

    if not job.functions:
        return {}
    written = [(v.query, v.statement) for v in job.views.values()] + [(i.query, i.statement) for i in job.inserts]
    if job.unparsed:  # Flink-only SQL: what the replay's parser read is checked, untyped
        return check_model_calls(job, [(tree, tree, stmt) for tree, stmt in written if tree is not None])
    try:
        translator = translator or Translator(job)
        typed = [translator.views[v.name] for v in job.views.values()] + \
            [translator.query(i.query, i.statement) for i in job.inserts]
    except TranslationError:
        typed = [tree for tree, _ in written]  # untyped: number and names are still checked
    return check_model_calls(job, [(tree, typed_tree, stmt) for (tree, stmt), typed_tree in zip(written, typed)])


def _generic_names(features: list[tuple[str, str]]) -> bool:
    """LightGBM's own names for unnamed features (Column_0, ...): only their number can be checked."""
    return all(name == f"Column_{i}" for i, (name, _) in enumerate(features))


def resolve_declared_model(root, model_def) -> Model:
    """The model of a ``CREATE MODEL``: its file loads and matches the declared INPUT and version."""
    from pathlib import Path

    from streamscore.sql.rewrites import check_model_declaration

    check_model_declaration(model_def)
    stmt = model_def.statement
    path = Path(model_def.options["path"])
    try:
        model = Model(path if path.is_absolute() else Path(root) / path)
    except ModelError as error:
        raise stmt.error(ModelError, f"model {model_def.name}: {error}") from None
    features = model.metadata.features
    declared = [(c.name, c.type.sql(Flink)) for c in model_def.inputs]
    expected = [(f["name"], f["type"]) for f in features]
    if not model.metadata.typed:  # a model file alone: the INPUT clause gives the types
        expected = [(n if not _generic_names(expected) else d, t) for (n, _), (d, t) in zip(expected, declared)] \
            if len(expected) == len(declared) else [(n, "DOUBLE") for n, _ in expected]
    if [n.lower() for n, _ in declared] != [n.lower() for n, _ in expected] or \
            [t.upper() for _, t in declared] != [t.upper() for _, t in expected]:
        wanted = ", ".join(f"{n} {t}" for n, t in expected)
        raise stmt.error(ModelError, f"model {model_def.name}: INPUT ({', '.join(f'{n} {t}' for n, t in declared)}) "
                         f"does not match the model file's features", stmt.tree, f"declare INPUT ({wanted})")
    version = model_def.options.get("version")
    if version is not None and version != model.metadata.version:
        raise stmt.error(ModelError, f"model {model_def.name}: 'version' = '{version}' but {path} is version "
                         f"{model.metadata.version}", stmt.tree, "point 'path' at that version's file")
    return model
