"""Model sources (what a model is, how it is built once) and loading: resolve a spec (offline source name, local
folder or hub id), then load it."""

from cookbook.models.resolve import ResolvedModel, load_model, load_tokenizer, resolve_model
from cookbook.models.sources import MODEL_SOURCES, SOURCE_KINDS, OfflineSource, describe_sources, provenance

__all__ = ["MODEL_SOURCES", "SOURCE_KINDS", "OfflineSource", "ResolvedModel", "describe_sources", "load_model",
           "load_tokenizer", "provenance", "resolve_model"]
