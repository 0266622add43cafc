"""Flink-to-Flink rewrites of model calls: ML_PREDICT, and model functions scored in the JVM.

Flink runs ``ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(...))`` itself with the ``lightgbm`` model provider
in streamscore's jar. The DuckDB replay, and Flink in one case below, inline the call instead:
``(SELECT *, <model function>(cols) AS <output> FROM t)``, the model function scoring the same file.

Flink 2.3's planner merges two ML_PREDICT calls over the same table and columns even when their models
differ (the second call's rows get the first model's scores): a job with such calls (champion and
challenger, say) runs them inlined as calls of the JVM scorer's function, one per model file.
"""

from __future__ import annotations

import json

from sqlglot import exp

from streamscore.errors import ModelError
from streamscore.sql.dialect import Descriptor, Flink, MLPredict, ModelArgument, TableArgument
from streamscore.sql.statements import Job, ModelDef, Statement

PROVIDERS = {"lightgbm"}


def model_function_name(model: ModelDef) -> str:
    return f"ml_predict_{model.name}"


def check_model_declaration(model: ModelDef) -> None:
    stmt = model.statement
    provider = model.options.get("provider", "").lower()
    if provider not in PROVIDERS:
        raise stmt.error(ModelError, f"model {model.name}: provider {provider or '(none)'!r} cannot run in-process",
                         stmt.tree, "use 'provider' = 'lightgbm' with 'path' = the LightGBM model file")
    if "path" not in model.options:
        raise stmt.error(ModelError, f"model {model.name} has no 'path' option", stmt.tree,
                         "add 'path' = a LightGBM model file (text format), e.g. 'udfs/models/<name>.txt'")
    if len(model.outputs) != 1 or not model.outputs[0].type.is_type(exp.DType.DOUBLE, exp.DType.FLOAT):
        raise stmt.error(ModelError, f"model {model.name}: OUTPUT must be one DOUBLE column (the score)", stmt.tree)


def inline_ml_predict(tree: exp.Expr, job: Job, stmt: Statement, call=None) -> exp.Expr:
    """Every ML_PREDICT in ``tree`` replaced by a subquery calling the model's function: ``call(model,
    columns)`` builds the call (default: the model's function, ``model_function_name``)."""

    def rewrite(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, MLPredict):
            return node
        args = node.expressions
        table = next((a for a in args if isinstance(a, TableArgument)), None)
        model_arg = next((a for a in args if isinstance(a, ModelArgument)), None)
        descriptor = next((a for a in args if isinstance(a, Descriptor)), None)
        if table is None or model_arg is None or descriptor is None:
            raise stmt.error(ModelError, "ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(columns)) expected", node)
        model = job.models.get(model_arg.this.name)
        if model is None:
            raise stmt.error(ModelError, f"unknown model `{model_arg.this.name}`", node,
                             "declare it with CREATE MODEL before the query")
        columns = descriptor.expressions
        if len(columns) != len(model.inputs):
            raise stmt.error(ModelError, f"ML_PREDICT passes {len(columns)} columns to model {model.name}, "
                             f"which takes {len(model.inputs)}: {', '.join(c.name for c in model.inputs)}", node)
        arguments = [exp.column(c.name) for c in columns]
        scored = call(model, arguments) if call else exp.Anonymous(this=model_function_name(model), expressions=arguments)
        query = exp.select("*", exp.alias_(scored, model.outputs[0].name)).from_(table.this.copy())
        return query.subquery(node.alias or table.this.name)

    return tree.transform(rewrite)


def has_ml_predict(tree: exp.Expr) -> bool:
    return tree.find(MLPredict) is not None


def merged_by_flink(job: Job) -> bool:
    """Whether the job has ML_PREDICT calls with different models over the same table and columns, which
    Flink 2.3's planner would merge into one (see the module's note)."""
    models: dict[str, set[str]] = {}
    trees = [v.query for v in job.views.values()] + [i.query for i in job.inserts]
    for tree in filter(None, trees):  # an unparsed statement is Flink's as written
        for node in tree.find_all(MLPredict):
            table = next((a for a in node.expressions if isinstance(a, TableArgument)), None)
            model = next((a for a in node.expressions if isinstance(a, ModelArgument)), None)
            descriptor = next((a for a in node.expressions if isinstance(a, Descriptor)), None)
            if table is not None and model is not None and descriptor is not None:
                key = f"{table.sql(Flink)}|{descriptor.sql(Flink)}"
                models.setdefault(key, set()).add(model.this.name)
    return any(len(names) > 1 for names in models.values())


# Model functions (streamscore.models.model_function in udfs/) are scored in the JVM by default: a call
# ``f(a, b)`` runs as ``streamscore_model('<spec>', CAST(a AS DOUBLE), ...)`` (dev.streamscore.lightgbm.
# ModelFunction: the same model files, outputs, hot reload and error rules as the Python function).
JVM_MODEL_FUNCTION = "streamscore_model"
JVM_MODEL_CLASS = "dev.streamscore.lightgbm.ModelFunction"


def inline_model_functions(tree: exp.Expr, specs: dict[str, dict]) -> exp.Expr:
    """Calls of the functions in ``specs`` (lower-case name -> JVM spec) as calls of the JVM model function;
    a function with one output gives that field (``.score``), as the Python function gives the value."""

    def rewrite(node: exp.Expr) -> exp.Expr:
        spec = specs.get(node.name.lower()) if isinstance(node, exp.Anonymous) else None
        if spec is None:
            return node
        features = [exp.cast(a.copy(), exp.DataType.build("DOUBLE")) for a in node.expressions]
        call = exp.Anonymous(this=JVM_MODEL_FUNCTION, expressions=[exp.Literal.string(json.dumps(spec)), *features])
        outputs = spec["outputs"]
        return exp.Dot(this=call, expression=exp.to_identifier(outputs[0])) if len(outputs) == 1 else call

    return tree.copy().transform(rewrite)


def calls_any(tree: exp.Expr, names) -> bool:
    return any(node.name.lower() in names for node in tree.find_all(exp.Anonymous))
