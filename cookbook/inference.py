"""Load a base model with a trained adapter and generate answers, with or without the adapter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from cookbook.models.chat_template import END, START, render_prompt, strip_answer
from cookbook.models.resolve import load_model, load_tokenizer, resolve_model
from cookbook.peft_methods import PEFT_METHODS
from cookbook.runs import finished_run


@dataclass
class TunedModel:
    model: object  # a PeftModel; `disable_adapter()` gives the base model's behaviour
    tokenizer: object
    base_model: str
    method: str


def load_run(run_dir: str | Path) -> TunedModel:
    """Base model (loaded as it was trained: 4-bit for QLoRA) plus the run's adapter."""
    from peft import PeftModel

    adapter, metrics = finished_run(Path(run_dir))
    resolved = resolve_model(metrics["base_model"])
    method = metrics.get("method", "lora")
    base = load_model(resolved, quantize_4bit=method in PEFT_METHODS and PEFT_METHODS.get(method).quantize_4bit)
    model = PeftModel.from_pretrained(base, str(adapter))
    model.eval()
    return TunedModel(model, load_tokenizer(resolved), metrics["base_model"], method)


def _stop_ids(tokenizer) -> list[int]:
    """EOS and both turn markers: a base model that starts a new turn has finished its answer."""
    ids = [tokenizer.eos_token_id]
    for marker in (END, START):
        tid = tokenizer.convert_tokens_to_ids(marker)
        if isinstance(tid, int) and tid != tokenizer.unk_token_id:
            ids.append(tid)
    return [i for i in ids if i is not None]


@torch.inference_mode()
def generate(tm: TunedModel, questions: list[str], system: str = "", use_adapter: bool = True,
             max_new_tokens: int = 96, batch_size: int = 16, desc: str = "generating",
             repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0) -> list[str]:
    """Greedy answers for `questions`, batched with left padding, cut at the first turn marker."""
    tok = tm.tokenizer
    tok.padding_side = "left"
    prompts = [render_prompt(q, system) for q in questions]
    answers: list[str] = []
    bar = tqdm(range(0, len(prompts), batch_size), desc=desc, unit="batch", disable=len(prompts) <= batch_size)
    for start in bar:
        batch = tok(prompts[start:start + batch_size], return_tensors="pt", padding=True)
        batch = {k: v.to(tm.model.device) for k, v in batch.items()}
        kwargs = dict(max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=_stop_ids(tok),
                      pad_token_id=tok.pad_token_id, repetition_penalty=repetition_penalty,
                      no_repeat_ngram_size=no_repeat_ngram_size)
        if use_adapter:
            out = tm.model.generate(**batch, **kwargs)
        else:
            with tm.model.disable_adapter():
                out = tm.model.generate(**batch, **kwargs)
        stop = set(kwargs["eos_token_id"])
        for row in out[:, batch["input_ids"].shape[1]:].tolist():
            cut = next((i for i, t in enumerate(row) if t in stop), len(row))
            answers.append(strip_answer(tok.decode(row[:cut], skip_special_tokens=True)))
    return answers
