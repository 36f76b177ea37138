"""Load an ASR run (Whisper + its adapter, or its BitFit biases) and transcribe with or without the adaptation."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from cookbook.models.resolve import resolve_model
from cookbook.models.whisper import generate_kwargs, load_whisper
from cookbook.peft_methods import PEFT_METHODS
from cookbook.runs import finished_run
from cookbook.tasks.asr.audio import SAMPLE_RATE


@dataclass
class AsrRun:
    model: object  # the Whisper model with its adaptation loaded (a PeftModel, or BitFit's biases in place)
    processor: object
    base_model: str
    method: str
    base_mode: Callable[[], object] = nullcontext  # context in which the model behaves as the untouched base


def load_asr_run(run_dir: str | Path) -> AsrRun:
    adapter, metrics = finished_run(Path(run_dir))
    spec = PEFT_METHODS.get(metrics["method"])
    base, processor = load_whisper(resolve_model(metrics["base_model"]))
    adapted = spec.load(base, adapter)
    return AsrRun(adapted.model, processor, metrics["base_model"], spec.name, adapted.base_mode)


def base_only(spec: str) -> AsrRun:
    """The plain base model (for the comparison's base row)."""
    model, processor = load_whisper(resolve_model(spec))
    return AsrRun(model.eval(), processor, spec, "base")


@torch.inference_mode()
def transcribe(run: AsrRun, audios: list[np.ndarray], use_adapter: bool = True, batch_size: int = 16,
               max_new_tokens: int = 96, desc: str = "transcribing") -> list[str]:
    """Greedy transcripts of 16 kHz mono float32 arrays."""
    fe, tok = run.processor.feature_extractor, run.processor.tokenizer
    base_model = run.model.get_base_model() if hasattr(run.model, "get_base_model") else run.model
    kwargs = generate_kwargs(base_model)
    out: list[str] = []
    ctx = nullcontext() if use_adapter else run.base_mode()
    with ctx:
        for i in tqdm(range(0, len(audios), batch_size), desc=desc, leave=False):
            chunk = audios[i:i + batch_size]
            features = fe(chunk, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features
            ids = run.model.generate(input_features=features, max_new_tokens=max_new_tokens, do_sample=False,
                                     **kwargs)
            out += [t.strip() for t in tok.batch_decode(ids, skip_special_tokens=True)]
    return out
