"""`cookbook compare` for kinds whose `evaluate` generates for every test split with the base and with the
adaptation and scores both (text-to-audio, text-to-image): each method (a spec, optionally with its own peft
settings, e.g. conv_adapter:adapter_size=large) trained at equal steps in its own process, then evaluated by the
kind's own `evaluate` on the run's own configuration; one row per method plus the base, whose scores come from the
first run's evaluation (every run's base is the same model with the same seeds: checked, and any difference is
recorded). Resumable: finished runs and evaluations already made for the same settings are reused. Every metric a
recipe scores per example (not the set-level ones, e.g. a Frechet distance) gets a bootstrap 95% interval over the
test rows, and each method a paired interval of its difference from the base on the same rows."""

from __future__ import annotations

import sys
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.intervals import mean_interval, paired_interval
from cookbook.models import provenance
from cookbook.recipe import Recipe
from cookbook.runs import load_run_config, read_json, write_json
from cookbook.tasks.method_runs import (
    RUN_COLUMNS,
    method_dir,
    publish,
    run_columns,
    scores_of,
    stamp_measured,
    train_method_run,
)

# A system section's keys that are not scalar measurements (the rest, e.g. generate_s, denoise_loss, are).
NOT_MEASURES = ("overall", "by_group", "per_example", "about", "grid")


def evaluated(task_evaluate, recipe: Recipe, run_dir: Path, expected: dict[str, int]) -> dict:
    """RUN/eval/report.json, made by the kind's `evaluate` unless one is there for the same split sizes."""
    report = read_json(run_dir / "eval" / "report.json")
    sizes = {s: v.get("base", {}).get("overall", {}).get("n") for s, v in report.get("splits", {}).items()}
    if report and sizes == expected:
        print(f"[cookbook] reusing {run_dir / 'eval' / 'report.json'}", file=sys.stderr)
        return report
    cfg = load_run_config(run_dir)
    cfg.domain = recipe.name
    return task_evaluate(cfg, recipe, run_dir)


def per_example_values(section: dict, metric: str) -> dict[str, float]:
    """{example id: value} of `metric` in a system section's per-example rows; empty unless every row has a number
    for it (a set-level metric has none)."""
    rows = section.get("per_example") or []
    values = {str(r.get("id")): r.get(metric) for r in rows}
    if not rows or len(values) != len(rows) or not all(isinstance(v, int | float) for v in values.values()):
        return {}
    return {k: float(v) for k, v in values.items()}


def intervals_of(section: dict, base_section: dict | None) -> tuple[dict, dict]:
    """({metric: [lo, hi]} of the mean, {metric: [lo, hi]} of the mean difference from `base_section` on the same
    examples) for every metric of `section` with per-example values."""
    intervals, paired = {}, {}
    for metric in section["overall"]:
        values = per_example_values(section, metric)
        if not values:
            continue
        intervals[metric] = mean_interval(list(values.values()))
        base = per_example_values(base_section, metric) if base_section else {}
        if base and base.keys() == values.keys():
            paired[metric] = paired_interval([base[k] for k in values], list(values.values()))
    return intervals, paired


def system_columns(report: dict, system: str) -> dict:
    """{split: {"overall": scores, "n", "measures": {name: number}, "intervals": {metric: [lo, hi]}, and for the
    tuned system "paired": {metric: [lo, hi] of tuned - base}}} of `system` ("base" or "tuned") in an eval report."""
    out = {}
    for split, section in report["splits"].items():
        got = section[system]
        measures = {k: v for k, v in got.items() if k not in NOT_MEASURES and isinstance(v, int | float)}
        intervals, paired = intervals_of(got, section.get("base") if system != "base" else None)
        out[split] = {"overall": {k: v for k, v in got["overall"].items() if k != "n"}, "n": got["overall"].get("n"),
                      "measures": measures, "intervals": intervals, **({"paired": paired} if paired else {})}
    return out


def sample_grids(report: dict, run_dir: Path) -> dict[str, str]:
    """{split: path} of the base-vs-tuned sample grid an evaluation drew per split (kinds that draw images)."""
    return {split: str(run_dir / "eval" / section["grid"]) for split, section in report["splits"].items()
            if section.get("grid") and (run_dir / "eval" / section["grid"]).is_file()}


def split_sizes(cfg: RunConfig, recipe: Recipe) -> dict[str, int]:
    sizes = {s: len(recipe.load_examples(cfg.data, s)) for s in recipe.test_splits}
    return {s: min(n, cfg.eval.max_samples) if cfg.eval.max_samples else n for s, n in sizes.items()}


def compare_evaluated(cfg: RunConfig, recipe: Recipe, config_name: str, methods: list[str], out_dir: Path,
                      overrides: list[str]) -> dict:
    from cookbook.tasks import get_task
    from cookbook.tasks.evaluated_compare_report import write_domain_report, write_run_report

    task_evaluate = get_task(recipe.task).evaluate
    out_dir.mkdir(parents=True, exist_ok=True)
    for method in methods:
        train_method_run(recipe.name, config_name, method, method_dir(out_dir, method), overrides)
    expected = split_sizes(cfg, recipe)
    evals = {m: evaluated(task_evaluate, recipe, method_dir(out_dir, m), expected) for m in methods}
    base = system_columns(evals[methods[0]], "base")
    differs = [m for m in methods[1:]
               if scores_of({"splits": system_columns(evals[m], "base")}) != scores_of({"splits": base})]
    if differs:
        print(f"[cookbook] warning: the base scored differently in the evaluations of {', '.join(differs)} "
              f"(nondeterministic generation?); the base row is {methods[0]}'s", file=sys.stderr)
    rows = [{"system": "base", "trainable_params": 0, "splits": base}]
    rows += [{"system": m, **run_columns(method_dir(out_dir, m), (*RUN_COLUMNS, "loss_history")),
              "splits": system_columns(evals[m], "tuned"),
              "grids": sample_grids(evals[m], method_dir(out_dir, m)),
              "eval_report": str(method_dir(out_dir, m) / "eval" / "report.json")} for m in methods]
    first = next(iter(base.values()))["overall"]
    report = {"domain": recipe.name, "config": config_name, "overrides": overrides, "base_model": cfg.model.source,
              "provenance": provenance(cfg.model.source),
              "methods": methods, "splits": expected,
              "metrics": {s: list(v["overall"]) for s, v in base.items()},
              "primary_metric": recipe.primary_metric or next(iter(first)),
              "plot_metrics": [m for m in recipe.plot_metrics if m in first],
              "directions": {k: recipe.direction(k) for v in base.values() for k in v["overall"]},
              "metric_labels": {k: recipe.metric_labels.get(k, k) for v in base.values() for k in v["overall"]},
              "loss_split": recipe.loss_split(), "loss_rows": cfg.data.eval_samples, "base_differs_in": differs,
              "rows": rows, "created": stamp_measured(rows)}
    write_json(out_dir / "report.json", report)
    write_run_report(out_dir, report)
    publish(report, write_domain_report)
    return report

