"""Models callable from SQL: one scorer shared by Flink and DuckDB."""

from streamscore.models.scorer import Model, ModelMetadata, ModelRef, model_function, model_of

__all__ = ["Model", "ModelMetadata", "ModelRef", "model_function", "model_of"]
