"""Load a MusicGen (model, tokenizer, codec sampling rate) from a resolved spec: an offline source, a local folder
(e.g. a downloaded facebook/musicgen-small) or a hub id."""

from __future__ import annotations

from cookbook.errors import ModelSourceError
from cookbook.models.resolve import ResolvedModel, _hub_error


def load_musicgen(resolved: ResolvedModel):
    """(MusicgenForConditionalGeneration in fp32, tokenizer, sampling rate)."""
    import torch
    from transformers import AutoConfig, AutoTokenizer, MusicgenForConditionalGeneration

    try:
        config = AutoConfig.from_pretrained(resolved.path)
        if config.model_type != "musicgen":
            raise ModelSourceError(f"{resolved.path}: a '{config.model_type}' model, not MusicGen (model_type "
                                   "'musicgen', e.g. a local copy of facebook/musicgen-small)")
        model = MusicgenForConditionalGeneration.from_pretrained(resolved.path, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(resolved.path)
    except OSError as exc:
        if resolved.source == "hub":
            raise _hub_error(resolved.spec, exc) from None
        raise ModelSourceError(f"{resolved.path}: cannot load MusicGen ({str(exc).splitlines()[0][:160]})") from None
    return model, tokenizer, int(model.config.audio_encoder.sampling_rate)
