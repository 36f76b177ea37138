"""Load a finished text run (base model + adapter, as trained) and generate answers with or without the adapter,
in the model's own chat format, cut at its own end-of-turn tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from cookbook.models.prompt_format import PromptFormat, prompt_format
from cookbook.models.resolve import load_model, load_tokenizer, resolve_model
from cookbook.peft_methods import PEFT_METHODS
from cookbook.runs import finished_run


@dataclass
class TunedModel:
    model: object  # the base model with its adaptation; `base_mode()` gives the base model's behaviour
    tokenizer: object
    base_model: str
    method: str
    base_mode: object  # () -> context manager
    fmt: PromptFormat


def load_run(run_dir: str | Path) -> TunedModel:
    """Base model (loaded as it was trained: 4-bit for QLoRA) plus the run's adaptation."""
    adapter, metrics = finished_run(Path(run_dir))
    resolved = resolve_model(metrics["base_model"])
    spec = PEFT_METHODS.get(metrics["method"])
    base = load_model(resolved, quantize_4bit=spec.quantize_4bit)
    adapted = spec.load(base, adapter)
    tokenizer = load_tokenizer(resolved)
    return TunedModel(adapted.model, tokenizer, metrics["base_model"], spec.name, adapted.base_mode,
                      prompt_format(tokenizer))


def load_base(source: str) -> TunedModel:
    """A base model alone, in the same shape as a loaded run (its base mode changes nothing): for baselines."""
    import contextlib

    resolved = resolve_model(source)
    tokenizer = load_tokenizer(resolved)
    return TunedModel(load_model(resolved), tokenizer, source, "none", contextlib.nullcontext,
                      prompt_format(tokenizer))


@torch.inference_mode()
def generate(tm: TunedModel, questions: list[str], system: str | list[str] = "", use_adapter: bool = True,
             max_new_tokens: int = 96, batch_size: int = 16, desc: str = "generating",
             repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0,
             prefixes: list[str] | None = None) -> list[str]:
    """Greedy answers for `questions`, batched with left padding, cut at the first end-of-turn token. `system`: one
    system prompt for all, or one per question; `prefixes`: each answer's given start (TextExample.answer_prefix),
    not repeated in the returned answer."""
    tok = tm.tokenizer
    tok.padding_side = "left"
    systems = [system] * len(questions) if isinstance(system, str) else system
    prefixes = prefixes or [""] * len(questions)
    prompts = [tm.fmt.prompt(q, s) + p for q, s, p in zip(questions, systems, prefixes, strict=True)]
    stop = tm.fmt.stop_token_ids()
    answers: list[str] = []
    bar = tqdm(range(0, len(prompts), batch_size), desc=desc, unit="batch", disable=len(prompts) <= batch_size)
    for start in bar:
        batch = tok(prompts[start:start + batch_size], return_tensors="pt", padding=True)
        batch = {k: v.to(tm.model.device) for k, v in batch.items()}
        kwargs = dict(max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=stop,
                      pad_token_id=tok.pad_token_id, repetition_penalty=repetition_penalty,
                      no_repeat_ngram_size=no_repeat_ngram_size)
        if use_adapter:
            out = tm.model.generate(**batch, **kwargs)
        else:
            with tm.base_mode():
                out = tm.model.generate(**batch, **kwargs)
        for row in out[:, batch["input_ids"].shape[1]:].tolist():
            cut = next((i for i, t in enumerate(row) if t in stop), len(row))
            answers.append(tm.fmt.clean(tok.decode(row[:cut], skip_special_tokens=True)))
    return answers


def decoding_settings(eval_cfg) -> dict:
    """generate() keywords from a run's `eval:` section, so demos and judges answer as the evaluation did."""
    return {"max_new_tokens": eval_cfg.max_new_tokens, "repetition_penalty": eval_cfg.repetition_penalty,
            "no_repeat_ngram_size": eval_cfg.no_repeat_ngram_size}
