"""`cookbook eval` for the preference kind: answers to the held-out split from the base model, the SFT adapter and
the SFT+DPO adapter (both adapters loaded on one base, switched by name), each scored with the domain's metrics,
with each system's bootstrap intervals where the domain's score returns them and paired bootstrap intervals of the
differences between consecutive systems (the same admissions resampled for both). Shown answers pass through the
domain's output filter (Recipe.redact), which counts what it caught. Writes RUN/eval/report.json and report.md."""

from __future__ import annotations

import sys
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.errors import CookbookError
from cookbook.intervals import paired_interval
from cookbook.models.prompt_format import prompt_format
from cookbook.models.resolve import load_model, load_tokenizer, resolve_model
from cookbook.peft_methods import PEFT_METHODS
from cookbook.recipe import Recipe
from cookbook.runs import finished_run, write_json
from cookbook.tasks.answer_cache import cached_samples
from cookbook.tasks.preference.report import write_report
from cookbook.tasks.preference.stages import trained_stages
from cookbook.tasks.text.answers import held_out
from cookbook.tasks.text.examples import system_prompt_for
from cookbook.tasks.text.generate import TunedModel, decoding_settings, generate
from cookbook.tasks.text.report import metric_keys, primary_metric

SHOWN = 3  # answers written into report.md (all of them are in report.json)


def _difference(new: float | None, old: float | None) -> float | None:
    """new - old; None where the metric applies to neither system's examples."""
    return None if new is None or old is None else new - old


def load_stages(run_dir: Path, stages: list[str]) -> TunedModel:
    """One base model with each stage's adapter loaded under the stage's name (`model.set_adapter(stage)`)."""
    from peft import PeftModel

    import cookbook.peft_methods.s2lora  # noqa: F401  our own peft methods load only once registered with peft

    _, metrics = finished_run(run_dir)
    resolved = resolve_model(metrics["base_model"])
    spec = PEFT_METHODS.get(metrics["method"])
    base = load_model(resolved, quantize_4bit=spec.quantize_4bit)
    model = PeftModel.from_pretrained(base, str(run_dir / stages[0] / "adapter"), adapter_name=stages[0])
    for stage in stages[1:]:
        model.load_adapter(str(run_dir / stage / "adapter"), adapter_name=stage)
    model.eval()
    tokenizer = load_tokenizer(resolved)
    return TunedModel(model, tokenizer, metrics["base_model"], spec.name, model.disable_adapter,
                      prompt_format(tokenizer))


def filtered(recipe: Recipe, texts: list[str], examples: list) -> tuple[list[str], dict[str, int]]:
    """`texts` through the domain's output filter, and what it caught (summed over texts)."""
    if recipe.redact is None:
        return list(texts), {}
    out, caught = [], {}
    for text, example in zip(texts, examples, strict=True):
        shown, counts = recipe.redact(text, example)
        out.append(shown)
        for k, v in counts.items():
            caught[k] = caught.get(k, 0) + v
    return out, caught


def answer_all(tm: TunedModel, cfg: RunConfig, recipe: Recipe, examples: list, systems: list[str],
               cache_dir: Path) -> dict:
    """{system: (answers, seconds)}; "base" with every adapter disabled, a stage with its adapter active. Each
    system's answers are kept in `cache_dir` with the settings that drew them (a rerun or a resumed eval reuses
    them; a retrained stage has a new adapter file time, so its answers are drawn again)."""
    questions = [e.prompt for e in examples]
    systems_prompts = [system_prompt_for(e, recipe.system_prompt) for e in examples]
    settings = decoding_settings(cfg.eval)
    out = {}
    for name in systems:
        if name != "base":
            tm.model.set_adapter(name)
        key = {"settings": settings, "ids": [e.id for e in examples], "prompts": questions,
               "adapter": adapter_stamp(cache_dir.parent, name)}
        out[name] = cached_samples(
            cache_dir / f"{name}.json", key,
            lambda n=name: generate(tm, questions, systems_prompts, use_adapter=n != "base",
                                    prefixes=[e.answer_prefix for e in examples], batch_size=cfg.eval.batch_size,
                                    desc=f"{n} answers", **decoding_settings(cfg.eval)))
    return out


def adapter_stamp(run_dir: Path, system: str) -> str:
    """Size and modification time of a stage's adapter weights ("" for the base model)."""
    if system == "base":
        return ""
    files = sorted((run_dir / system / "adapter").rglob("adapter_model.safetensors"))
    return ";".join(f"{f.relative_to(run_dir)}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)


def evaluate_preference(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    run_dir = Path(run_dir)
    stages = trained_stages(run_dir)
    if not stages:
        raise CookbookError(f"{run_dir}: no finished stage (sft/, dpo/) to evaluate; run `make finetune` into it")
    examples = held_out(cfg, recipe)
    tm = load_stages(run_dir, stages)
    systems = ["base", *stages]
    answers = answer_all(tm, cfg, recipe, examples, systems, run_dir / "eval" / "answers")
    report: dict = {"domain": recipe.name, "run": str(run_dir), "base_model": tm.base_model, "method": tm.method,
                    "n_examples": len(examples), "max_new_tokens": cfg.eval.max_new_tokens,
                    "repetition_penalty": cfg.eval.repetition_penalty,
                    "no_repeat_ngram_size": cfg.eval.no_repeat_ngram_size, "systems": {}}
    per_example, shown = {}, {}
    for name in systems:
        preds, seconds = answers[name]
        scores = recipe.score(preds, examples)
        per_example[name] = scores.pop("per_example")
        shown[name], caught = filtered(recipe, preds, examples)
        scores.update(generation_s=seconds, filter_caught=caught)
        if caught:  # what still gets through the filter is what the metrics find in the filtered text
            after = recipe.score(shown[name], examples)["overall"]
            scores["after_filter"] = {k: v for k, v in after.items() if v != scores["overall"].get(k)}
        report["systems"][name] = scores
        print(f"[cookbook] {name}: " + ", ".join(f"{k}={v:.4f}" for k, v in scores["overall"].items()
                                                if isinstance(v, float)), file=sys.stderr)
    keys = metric_keys(report["systems"][systems[-1]]["overall"])
    main = primary_metric(recipe, keys)
    report.update(metrics=keys, primary_metric=main, metric_labels={k: recipe.metric_labels.get(k, k) for k in keys},
                  directions={k: recipe.direction(k) for k in keys}, tradeoff=list(recipe.tradeoff))
    report["differences"] = {}
    for a, b in zip(systems, systems[1:], strict=False):
        report["differences"][f"{b} - {a}"] = {
            k: {"delta": _difference(report["systems"][b]["overall"][k], report["systems"][a]["overall"][k]),
                "interval": paired_interval([r[k] for r in per_example[a]], [r[k] for r in per_example[b]]),
                "verdict": recipe.verdict(k, report["systems"][b]["overall"][k], report["systems"][a]["overall"][k])}
            for k in keys}
    shown_prompts, prompt_caught = filtered(recipe, [e.prompt for e in examples], examples)
    report["shown_prompts_filter_caught"] = prompt_caught
    # `question` / `tuned` are what a judge grades (the shown record; the final stage's answer)
    report["answers"] = [{"id": e.id, "group": e.group, "prompt": p, "question": p, "reference": e.reference,
                          **{name: shown[name][i] for name in systems}, "tuned": shown[systems[-1]][i],
                          **{f"{name}_{k}": per_example[name][i][k] for name in systems for k in keys}}
                         for i, (e, p) in enumerate(zip(examples, shown_prompts, strict=True))]
    report["summary"] = f"{main} " + " -> ".join(f"{name} {report['systems'][name]['overall'][main]:.4f}"
                                                 for name in systems)
    out_dir = run_dir / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "report.json", report)
    write_report(out_dir, report, SHOWN)
    return report
