"""Resolve a model spec (offline source name, local folder or hub id) and load it."""

from cookbook.models.resolve import MODEL_SOURCES, ResolvedModel, load_model, load_tokenizer, resolve_model

__all__ = ["MODEL_SOURCES", "ResolvedModel", "load_model", "load_tokenizer", "resolve_model"]
