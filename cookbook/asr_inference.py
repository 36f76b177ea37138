"""Load an ASR run (Whisper + its adapter, or its BitFit biases) and transcribe with or without the adaptation."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from cookbook.audio import SAMPLE_RATE
from cookbook.models.resolve import resolve_model
from cookbook.models.whisper import generate_kwargs, load_whisper
from cookbook.peft_methods.bitfit import base_biases, is_bitfit_adapter, load_bitfit
from cookbook.runs import finished_run


@dataclass
class AsrRun:
    model: object  # PeftModel, or the Whisper model itself with BitFit biases loaded
    processor: object
    base_model: str
    method: str
    bitfit_original: dict = field(default_factory=dict)  # BitFit: the base biases, for base transcripts

    def base_mode(self):
        """Context in which the model behaves as the untouched base model."""
        if self.bitfit_original:
            return base_biases(self.model, self.bitfit_original)
        if hasattr(self.model, "disable_adapter"):
            return self.model.disable_adapter()
        return nullcontext()


def load_asr_run(run_dir: str | Path) -> AsrRun:
    adapter, metrics = finished_run(Path(run_dir), "speech")
    import cookbook.peft_methods.s2lora  # noqa: F401  (S2-LoRA adapters load only once it is registered)

    base, processor = load_whisper(resolve_model(metrics["base_model"]))
    if is_bitfit_adapter(adapter):
        original = load_bitfit(base, adapter)
        return AsrRun(base.eval(), processor, metrics["base_model"], "bitfit", original)
    from peft import PeftModel

    model = PeftModel.from_pretrained(base, str(adapter)).eval()
    return AsrRun(model, processor, metrics["base_model"], metrics.get("method", "lora"))


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
