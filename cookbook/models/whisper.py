"""Load a Whisper model + processor from a resolved model spec (offline source, local folder or hub id)."""

from __future__ import annotations

from cookbook.errors import ModelSourceError
from cookbook.models.resolve import ResolvedModel, _hub_error


def load_whisper(resolved: ResolvedModel):
    """(WhisperForConditionalGeneration in fp32, WhisperProcessor with English transcription prefix tokens)."""
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    try:
        model = WhisperForConditionalGeneration.from_pretrained(resolved.path, dtype=torch.float32)
        processor = WhisperProcessor.from_pretrained(resolved.path)
    except OSError as exc:
        if resolved.source == "hub":
            raise _hub_error(resolved.spec, exc) from None
        raise
    except ValueError as exc:  # not a Whisper checkpoint
        raise ModelSourceError(f"{resolved.path}: not a Whisper model ({str(exc).splitlines()[0][:120]})") from None
    if is_multilingual(model):
        processor.tokenizer.set_prefix_tokens(language="english", task="transcribe")
    return model, processor


def is_multilingual(model) -> bool:
    return bool(getattr(model.generation_config, "is_multilingual", False))


def generate_kwargs(model) -> dict:
    """English transcription for multilingual checkpoints; English-only ones take no language/task."""
    return {"language": "en", "task": "transcribe"} if is_multilingual(model) else {}
