"""`cookbook eval` for text domains: answer the held-out split with the base model and with the tuned adapter,
score both with the domain's metrics (whatever keys it reports), and write RUN/eval/report.json, report.md and a
per-group bar chart of the domain's primary metric."""

from __future__ import annotations

import sys
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.recipe import Recipe
from cookbook.runs import write_json
from cookbook.tasks.text.answers import answer_rows, generate_both, held_out
from cookbook.tasks.text.generate import load_run
from cookbook.tasks.text.report import metric_keys, primary_metric, write_eval_report


def evaluate_text(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    examples = held_out(cfg, recipe)
    tm = load_run(run_dir)
    out_dir = run_dir / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {"domain": recipe.name, "run": str(run_dir), "base_model": tm.base_model, "method": tm.method,
                    "n_examples": len(examples), "max_new_tokens": cfg.eval.max_new_tokens,
                    "repetition_penalty": cfg.eval.repetition_penalty,
                    "no_repeat_ngram_size": cfg.eval.no_repeat_ngram_size, "systems": {}}
    both = generate_both(tm, cfg, recipe, examples)
    per_example = {}
    for name, (preds, seconds) in both.items():
        scores = recipe.score(preds, examples)
        per_example[name] = scores.pop("per_example")
        scores["generation_s"] = seconds
        report["systems"][name] = scores
        print(f"[cookbook] {name}: " + ", ".join(f"{k}={v:.4f}" for k, v in scores["overall"].items()
                                                if isinstance(v, float)), file=sys.stderr)
    keys = metric_keys(report["systems"]["tuned"]["overall"])
    main = primary_metric(recipe, keys)
    report["metrics"], report["primary_metric"] = keys, main
    report["metric_labels"] = {k: recipe.metric_labels.get(k, k) for k in keys}
    report["delta"] = {k: report["systems"]["tuned"]["overall"][k] - report["systems"]["base"]["overall"][k]
                       for k in keys}
    rows = answer_rows(examples, both["base"][0], both["tuned"][0])
    for i, row in enumerate(rows):
        for name in ("base", "tuned"):
            row.update({f"{name}_{k}": v for k, v in per_example[name][i].items() if k in keys})
    report["answers"] = rows
    base_v, tuned_v = (report["systems"][s]["overall"][main] for s in ("base", "tuned"))
    report["summary"] = f"{main} {base_v:.4f} -> {tuned_v:.4f} ({report['delta'][main]:+.4f})"
    write_json(out_dir / "report.json", report)
    write_eval_report(out_dir, report)
    return report
