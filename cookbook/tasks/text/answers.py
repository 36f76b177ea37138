"""The one answer generator: base and tuned answers to a domain's held-out split, used by `cookbook eval` and by
the judge (which reuses RUN/eval/report.json when eval wrote it)."""

from __future__ import annotations

import time
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.tasks.text.examples import system_prompt_for
from cookbook.tasks.text.generate import TunedModel, decoding_settings, generate, load_run


def held_out(cfg: RunConfig, recipe) -> list:
    examples = recipe.load_examples(cfg.data, recipe.test_splits[0])
    return examples[: cfg.eval.max_samples] if cfg.eval.max_samples else examples


def generate_both(tm: TunedModel, cfg: RunConfig, recipe, examples: list) -> dict[str, tuple[list[str], float]]:
    """{"base": (answers, seconds), "tuned": (answers, seconds)}."""
    questions = [e.prompt for e in examples]
    systems = [system_prompt_for(e, recipe.system_prompt) for e in examples]
    out = {}
    for name, use_adapter in (("base", False), ("tuned", True)):
        t0 = time.time()
        preds = generate(tm, questions, systems, use_adapter=use_adapter,
                         prefixes=[e.answer_prefix for e in examples], batch_size=cfg.eval.batch_size,
                         desc=f"{name} answers", **decoding_settings(cfg.eval))
        out[name] = (preds, round(time.time() - t0, 1))
    return out


def answer_rows(examples: list, base: list[str], tuned: list[str]) -> list[dict]:
    return [{"id": e.id, "group": e.group, "question": e.prompt, "reference": e.reference, "base": b, "tuned": t}
            for e, b, t in zip(examples, base, tuned, strict=True)]


def answer_split(cfg: RunConfig, recipe, run_dir: Path) -> list[dict]:
    examples = held_out(cfg, recipe)
    both = generate_both(load_run(run_dir), cfg, recipe, examples)
    return answer_rows(examples, both["base"][0], both["tuned"][0])
