"""Load an audio-LM run (MusicGen + its adaptation) and generate audio from descriptions, with or without it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from cookbook.models.resolve import resolve_model
from cookbook.peft_methods import PEFT_METHODS
from cookbook.runs import finished_run
from cookbook.tasks.audio_lm.model import load_musicgen


@dataclass
class AudioLmRun:
    model: object  # MusicGen with its adaptation loaded
    tokenizer: object
    sampling_rate: int
    base_model: str
    method: str
    base_mode: Callable[[], object] = nullcontext  # context in which the model behaves as the untouched base


def load_audio_lm_run(run_dir: str | Path) -> AudioLmRun:
    adapter, metrics = finished_run(Path(run_dir))
    spec = PEFT_METHODS.get(metrics["method"])
    base, tokenizer, rate = load_musicgen(resolve_model(metrics["base_model"]))
    adapted = spec.load(base, adapter)
    return AudioLmRun(adapted.model, tokenizer, rate, metrics["base_model"], spec.name, adapted.base_mode)


@torch.inference_mode()
def generate_audio(run: AudioLmRun, texts: list[str], seconds: float, use_adapter: bool = True,
                   guidance_scale: float = 3.0, seed: int = 0, batch_size: int = 8) -> list[np.ndarray]:
    """Sampled clips (mono float32 at run.sampling_rate), `seconds` long, one per description; seeded."""
    base = run.model.get_base_model() if hasattr(run.model, "get_base_model") else run.model
    frames = int(round(seconds * base.config.audio_encoder.frame_rate))
    out: list[np.ndarray] = []
    with nullcontext() if use_adapter else run.base_mode():
        for i in range(0, len(texts), batch_size):
            torch.manual_seed(seed + i)
            enc = run.tokenizer(texts[i:i + batch_size], return_tensors="pt", padding=True)
            audio = run.model.generate(**enc, do_sample=True, guidance_scale=guidance_scale,
                                       max_new_tokens=frames + base.decoder.num_codebooks - 1)
            out += [a[0].float().numpy() for a in audio]
    return out
