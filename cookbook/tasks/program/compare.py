"""`cookbook compare <program domain> --methods a,b,c`: train each method on the same data and budget (one process
each), sample every test split with each tuned model and with the base model zero-shot and few-shot (the
in-context-learning baseline: `eval.shots` training examples shown as earlier chat turns, where the recipe names
`few_shot_splits`), score them with the domain's `score`, and compare trainable parameters, time and memory
against the scores. Resumable: finished runs and stored samples are reused.

Writes OUT/report.json and report.md, and reports/<domain>/compare_<base model>.json, from which
reports/<domain>/compare.md and its Pareto plots are rebuilt over every base model compared so far."""

from __future__ import annotations

import random
from dataclasses import asdict, replace
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.models import provenance
from cookbook.peft_methods import PEFT_METHODS
from cookbook.recipe import Recipe
from cookbook.runs import write_json
from cookbook.tasks.method_runs import method_dir, method_spec, publish, run_columns, stamp_measured, train_method_run
from cookbook.tasks.program.compare_report import write_domain_report, write_run_report
from cookbook.tasks.program.evaluate import cached_samples, split_examples
from cookbook.tasks.program.sampling import SamplingSettings, sample_completions
from cookbook.tasks.text.compare import export_measures
from cookbook.tasks.text.generate import load_base, load_run
from cookbook.tasks.text.report import metric_keys

SHOT_MAX_CHARS = 600  # demonstrations are picked among short training examples: they are prompt on every problem


def with_shots(cfg: RunConfig, recipe: Recipe, split: str, examples: list) -> list:
    """`examples` with `eval.shots` demonstrations from the recipe's training split for `split` (seeded)."""
    pool = [e for e in recipe.load_examples(cfg.data, recipe.few_shot_splits[split])
            if len(e.prompt) + len(e.answer_prefix) + len(e.reference) <= SHOT_MAX_CHARS]
    picked = random.Random(cfg.train.seed).sample(pool, min(cfg.eval.shots, len(pool)))
    shots = tuple((e.prompt, e.answer_prefix + e.reference) for e in picked)
    return [replace(e, shots=shots) for e in examples]


def score_system(tm, cfg: RunConfig, recipe: Recipe, splits: dict, settings: SamplingSettings, use_adapter: bool,
                 folder: Path) -> dict:
    """Per split {"overall": ..., "sampling_s": ...}, the samples kept in `folder`."""
    out = {}
    for split, examples in splits.items():
        key = {"settings": asdict(settings), "ids": [e.id for e in examples], "use_adapter": use_adapter,
               "shots": [list(s) for s in examples[0].shots] if examples else []}
        samples, seconds = cached_samples(
            folder / f"samples_{split}.json", key,
            lambda ex=examples, s=split: sample_completions(tm, ex, recipe.system_prompt, settings,
                                                            use_adapter=use_adapter, desc=f"{folder.name} {s}"))
        scores = recipe.score(samples, examples)
        out[split] = {"overall": scores["overall"], "sampling_s": seconds}
    return out


def compare_programs(cfg: RunConfig, recipe: Recipe, config_name: str, methods: list[str], out_dir: Path,
                     overrides: list[str]) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    for method in methods:
        train_method_run(recipe.name, config_name, method, method_dir(out_dir, method), overrides)
    settings = SamplingSettings.from_eval(cfg.eval, seed=cfg.train.seed)
    splits = {s: split_examples(cfg, recipe, s) for s in recipe.test_splits}
    base = load_base(cfg.model.source)
    rows = [{"system": "base, zero-shot", "trainable_params": 0,
             "splits": score_system(base, cfg, recipe, splits, settings, False, out_dir / "base-zero-shot")}]
    icl_splits = {s: with_shots(cfg, recipe, s, ex) for s, ex in splits.items() if s in recipe.few_shot_splits}
    if icl_splits and cfg.eval.shots:
        rows.append({"system": f"base, {cfg.eval.shots}-shot ICL", "trainable_params": 0,
                     "splits": score_system(base, cfg, recipe, icl_splits, settings, False,
                                            out_dir / f"base-{cfg.eval.shots}-shot")})
    del base
    for method in methods:
        run_dir = method_dir(out_dir, method)
        tm = load_run(run_dir)
        row = {"system": method, **run_columns(run_dir),
               "splits": score_system(tm, cfg, recipe, splits, settings, True, run_dir / "compare")}
        export = PEFT_METHODS.get(method_spec(method)[0]).export
        if export is not None:  # APT: the merged, pruned model's size and decoding speed, as the text kind reports
            first = next(iter(splits.values()))
            key = {"ids": [e.id for e in first[:cfg.eval.batch_size]], "batch_size": cfg.eval.batch_size,
                   "max_new_tokens": cfg.eval.max_new_tokens}
            row["export"], _ = cached_samples(run_dir / "compare" / "export.json", key,
                                              lambda tm=tm, export=export, first=first:
                                              export_measures(tm, export, cfg, recipe, first))
        rows.append(row)
        del tm
    metrics = {s: metric_keys(rows[0]["splits"][s]["overall"]) for s in splits}
    report = {"domain": recipe.name, "config": config_name, "overrides": overrides, "base_model": cfg.model.source,
              "provenance": provenance(cfg.model.source),
              "methods": methods, "sampling": asdict(settings), "shots": cfg.eval.shots,
              "splits": {s: len(e) for s, e in splits.items()}, "metrics": metrics,
              "primary_metric": recipe.primary_metric, "rows": rows, "created": stamp_measured(rows)}
    write_json(out_dir / "report.json", report)
    write_run_report(out_dir, report)
    publish(report, write_domain_report)
    return report
