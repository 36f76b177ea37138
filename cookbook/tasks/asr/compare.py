"""`cookbook compare <asr domain> --methods a,b,c`: train each method at equal steps (one process each, so time and
peak memory are its own), transcribe every test split, and compare trainable parameters, time, memory and WER
against the base model. Resumable: finished runs and transcripts are reused."""

from __future__ import annotations

import time
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.recipe import Recipe
from cookbook.runs import read_json, write_json
from cookbook.tasks.asr.evaluate import transcribe_split
from cookbook.tasks.asr.inference import base_only, load_asr_run
from cookbook.tasks.asr.metrics import score_split
from cookbook.tasks.method_runs import method_dir, run_columns, train_method_run


def _transcripts(cache: Path, make) -> dict:
    """Per split {"preds": [...], "seconds": s}; computed once, kept in `cache`."""
    done = read_json(cache)
    if done:
        return done
    result = make()
    write_json(cache, result)
    return result


def _evaluate(run, cfg: RunConfig, recipe: Recipe, splits: dict, use_adapter: bool, label: str) -> dict:
    out = {}
    for split, examples in splits.items():
        preds, secs = transcribe_split(run, examples, cfg, use_adapter, f"{label} {split}")
        out[split] = {"preds": preds, "seconds": secs}
    return out


def compare_methods(cfg: RunConfig, recipe: Recipe, config_name: str, methods: list[str], out_dir: Path,
                    overrides: list[str]) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    splits = {s: recipe.load_examples(cfg.data, s) for s in recipe.test_splits}
    if cfg.eval.max_samples:
        splits = {s: ex[: cfg.eval.max_samples] for s, ex in splits.items()}
    for method in methods:
        train_method_run(recipe.name, config_name, method, method_dir(out_dir, method), overrides)

    rows = []
    base = _transcripts(out_dir / "base_transcripts.json",
                        lambda: _evaluate(base_only(cfg.model.source), cfg, recipe, splits, False, "base"))
    rows.append({"system": "base", "trainable_params": 0, **_wer_columns(base, splits)})
    ranks = {}
    for method in methods:
        run_dir = method_dir(out_dir, method)
        metrics = read_json(run_dir / "metrics.json")
        got = _transcripts(run_dir / "compare_transcripts.json",
                           lambda rd=run_dir, m=method: _evaluate(load_asr_run(rd), cfg, recipe, splits, True, m))
        rows.append({"system": method, **run_columns(run_dir), **_wer_columns(got, splits)})
        if "rank_distribution" in metrics:
            ranks[method] = metrics["rank_distribution"]
    report = {"domain": recipe.name, "config": config_name, "overrides": overrides, "base_model": cfg.model.source,
              "methods": methods, "splits": {s: len(e) for s, e in splits.items()}, "rows": rows, "ranks": ranks,
              "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    write_json(out_dir / "report.json", report)
    from cookbook.tasks.asr.compare_report import write_compare_report

    write_compare_report(out_dir, report)
    return report


def _wer_columns(transcripts: dict, splits: dict) -> dict:
    cols = {}
    for split, examples in splits.items():
        scored = score_split(transcripts[split]["preds"], examples)
        cols[f"{split}_wer"] = scored["overall"]["wer"]
        cols[f"{split}_cer"] = scored["overall"]["cer"]
        cols[f"{split}_by_group"] = {g: v["wer"] for g, v in scored["by_group"].items()}
        cols[f"{split}_transcribe_s"] = transcripts[split]["seconds"]
    return cols
