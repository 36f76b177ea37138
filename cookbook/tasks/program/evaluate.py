"""`cookbook eval` for program-synthesis domains: for each test split, sample `eval.samples` completions per prompt
with the base model and with the tuned adapter, score them with the domain's `score(samples, examples)` (which
runs them in the sandbox), and write RUN/eval/report.json, report.md and a bar chart per split.

Sampling is the slow part, so each (split, system) set of completions is kept in RUN/eval/samples/ with the
settings that drew it; a rerun with the same settings and examples reuses it (an interrupted eval resumes)."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.recipe import Recipe
from cookbook.runs import write_json
from cookbook.tasks.answer_cache import cached_samples
from cookbook.tasks.program.report import write_program_report
from cookbook.tasks.program.sampling import SamplingSettings, sample_completions
from cookbook.tasks.text.generate import load_run
from cookbook.tasks.text.report import metric_keys, primary_metric

SYSTEMS = (("base", False), ("tuned", True))


def split_examples(cfg: RunConfig, recipe: Recipe, split: str) -> list:
    examples = recipe.load_examples(cfg.data, split)
    return examples[: cfg.eval.max_samples] if cfg.eval.max_samples else examples


def evaluate_split(tm, cfg: RunConfig, recipe: Recipe, split: str, settings: SamplingSettings,
                   out_dir: Path) -> dict:
    examples = split_examples(cfg, recipe, split)
    section: dict = {"n_examples": len(examples), "systems": {}}
    firsts = {}
    for name, use_adapter in SYSTEMS:
        key = {"settings": asdict(settings), "ids": [e.id for e in examples], "use_adapter": use_adapter}
        samples, seconds = cached_samples(
            out_dir / "samples" / f"{split}_{name}.json", key,
            lambda u=use_adapter, n=name: sample_completions(tm, examples, recipe.system_prompt, settings,
                                                             use_adapter=u, desc=f"{split}: {n}"))
        t0 = time.time()
        scores = recipe.score(samples, examples)
        scores.pop("per_example", None)
        scores["generation_s"], scores["scoring_s"] = seconds, round(time.time() - t0, 1)
        section["systems"][name] = scores
        firsts[name] = [s[0] if s else "" for s in samples]
        print(f"[cookbook] {split} {name}: " + ", ".join(
            f"{k}={v:.4f}" for k, v in scores["overall"].items() if isinstance(v, float)), file=sys.stderr)
    keys = metric_keys(section["systems"]["tuned"]["overall"])
    section["metrics"] = keys
    section["delta"] = {k: section["systems"]["tuned"]["overall"][k] - section["systems"]["base"]["overall"][k]
                        for k in keys}
    section["answers"] = [{"id": e.id, "group": e.group, "prompt": e.program_head or e.prompt,
                           "base": b, "tuned": t} for e, b, t in zip(examples, firsts["base"], firsts["tuned"],
                                                                     strict=True)]
    return section


def evaluate_programs(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    tm = load_run(run_dir)
    out_dir = run_dir / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = SamplingSettings.from_eval(cfg.eval, seed=cfg.train.seed)
    report: dict = {"domain": recipe.name, "run": str(run_dir), "base_model": tm.base_model, "method": tm.method,
                    "sampling": asdict(settings), "splits": {}}
    for split in recipe.test_splits:
        report["splits"][split] = evaluate_split(tm, cfg, recipe, split, settings, out_dir)
    first = report["splits"][recipe.test_splits[0]]
    main = primary_metric(recipe, first["metrics"])
    labels = {k: recipe.metric_labels.get(k, k) for s in report["splits"].values() for k in s["metrics"]}
    report["primary_metric"], report["metric_labels"] = main, labels
    base_v, tuned_v = (first["systems"][s]["overall"][main] for s in ("base", "tuned"))
    report["summary"] = (f"{recipe.test_splits[0]} {labels[main]} {base_v:.4f} -> {tuned_v:.4f} "
                         f"({tuned_v - base_v:+.4f})")
    write_json(out_dir / "report.json", report)
    write_program_report(out_dir, report)
    return report
