"""Offline source `tiny-whisper`: a random-init 2+2-layer Whisper (d_model 64) with Whisper tiny.en's real
tokenizer, feature extractor and generation settings, so the ASR pipeline runs end to end in seconds.
For tests and pipeline checks, not for quality."""

from __future__ import annotations

from pathlib import Path

from cookbook.paths import cached_build

FOLDER = "tiny-whisper-v1"


def _fill(work: Path) -> None:
    import torch
    from transformers import GenerationConfig, WhisperConfig, WhisperForConditionalGeneration, WhisperProcessor

    from cookbook.models.whisper_ct2 import ensure_tiny_en

    real = ensure_tiny_en()
    real_cfg = WhisperConfig.from_pretrained(str(real))
    config = WhisperConfig(
        vocab_size=real_cfg.vocab_size, num_mel_bins=real_cfg.num_mel_bins, d_model=64, encoder_layers=2,
        decoder_layers=2, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=128,
        decoder_ffn_dim=128, max_source_positions=real_cfg.max_source_positions, max_target_positions=64,
        bos_token_id=real_cfg.bos_token_id, eos_token_id=real_cfg.eos_token_id, pad_token_id=real_cfg.pad_token_id,
        decoder_start_token_id=real_cfg.decoder_start_token_id, suppress_tokens=[], begin_suppress_tokens=[],
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config)
    gen = GenerationConfig.from_pretrained(str(real))
    gen.max_length = config.max_target_positions
    gen.suppress_tokens, gen.begin_suppress_tokens, gen.alignment_heads = [], [], []
    model.generation_config = gen
    model.save_pretrained(str(work), safe_serialization=True)
    WhisperProcessor.from_pretrained(str(real)).save_pretrained(str(work))


def ensure() -> Path:
    return cached_build(FOLDER, _fill)
