"""Flink-to-Flink rewrites both engines apply before running a statement.

ML_PREDICT: open-source Flink plans ``ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(...))`` only with a
model provider it can find, and it has no in-process one. streamscore runs LightGBM models itself:
the call becomes ``(SELECT *, <model function>(cols) AS <output> FROM t)``, the model function being
the same scorer as ``CREATE FUNCTION`` models.
"""

from __future__ import annotations

from sqlglot import exp

from streamscore.errors import ModelError
from streamscore.sql.dialect import Descriptor, MLPredict, ModelArgument, TableArgument
from streamscore.sql.statements import Job, ModelDef, Statement

PROVIDERS = {"lightgbm"}


def model_function_name(model: ModelDef) -> str:
    return f"ml_predict_{model.name}"


def check_model_declaration(model: ModelDef) -> None:
    stmt = model.statement
    provider = model.options.get("provider", "").lower()
    if provider not in PROVIDERS:
        raise stmt.error(ModelError, f"model {model.name}: provider {provider or '(none)'!r} cannot run in-process",
                         stmt.tree, "use 'provider' = 'lightgbm' with 'path' = the model file without suffix")
    if "path" not in model.options:
        raise stmt.error(ModelError, f"model {model.name} has no 'path' option", stmt.tree,
                         "add 'path' = 'udfs/models/<name>' (the .txt and .json written by streamscore train)")
    if len(model.outputs) != 1 or not model.outputs[0].type.is_type(exp.DType.DOUBLE, exp.DType.FLOAT):
        raise stmt.error(ModelError, f"model {model.name}: OUTPUT must be one DOUBLE column (the score)", stmt.tree)


def inline_ml_predict(tree: exp.Expr, job: Job, stmt: Statement) -> exp.Expr:
    """Every ML_PREDICT in ``tree`` replaced by a subquery calling the model's function."""

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
        call = exp.Anonymous(this=model_function_name(model), expressions=[exp.column(c.name) for c in columns])
        query = exp.select("*", exp.alias_(call, model.outputs[0].name)).from_(table.this.copy())
        return query.subquery(node.alias or table.this.name)

    return tree.transform(rewrite)


def has_ml_predict(tree: exp.Expr) -> bool:
    return tree.find(MLPredict) is not None
