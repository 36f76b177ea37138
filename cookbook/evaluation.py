"""`cookbook eval`: answer the held-out split with the base model and with the tuned adapter, score both with the
domain's metrics, and write RUN/eval/report.json, report.md and a per-group bar chart."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.inference import generate, load_run
from cookbook.recipes import Recipe
from cookbook.registry import Registry
from cookbook.reports import write_eval_report
from cookbook.runs import write_json

EVALUATORS: Registry = Registry("evaluator")  # Recipe.evaluator -> fn(cfg, recipe, run_dir) -> report


def evaluate_run(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    return EVALUATORS.get(recipe.evaluator)(cfg, recipe, run_dir)


@EVALUATORS.register("text")
def evaluate_text(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    examples = recipe.load_examples(cfg.data, "test")
    if cfg.eval.max_samples:
        examples = examples[: cfg.eval.max_samples]
    tm = load_run(run_dir)
    questions = [e.prompt for e in examples]
    out_dir = run_dir / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {"domain": recipe.name, "run": str(run_dir), "base_model": tm.base_model, "method": tm.method,
                    "n_examples": len(examples), "max_new_tokens": cfg.eval.max_new_tokens,
                    "repetition_penalty": cfg.eval.repetition_penalty,
                    "no_repeat_ngram_size": cfg.eval.no_repeat_ngram_size, "systems": {}}
    answers = {}
    for name, use_adapter in (("base", False), ("tuned", True)):
        t0 = time.time()
        preds = generate(tm, questions, recipe.system_prompt, use_adapter=use_adapter,
                         max_new_tokens=cfg.eval.max_new_tokens, batch_size=cfg.eval.batch_size,
                         desc=f"{name} answers", repetition_penalty=cfg.eval.repetition_penalty,
                         no_repeat_ngram_size=cfg.eval.no_repeat_ngram_size)
        scores = recipe.score(preds, examples)
        per_example = scores.pop("per_example")
        scores["generation_s"] = round(time.time() - t0, 1)
        report["systems"][name] = scores
        answers[name] = (preds, per_example)
        print(f"[cookbook] {name}: " + ", ".join(f"{k}={v:.4f}" for k, v in scores["overall"].items()
                                                if isinstance(v, float)), file=sys.stderr)
    report["delta"] = {k: report["systems"]["tuned"]["overall"][k] - report["systems"]["base"]["overall"][k]
                       for k in ("rougeL", "token_f1")}
    report["answers"] = [
        {"id": e.id, "group": e.group, "question": e.prompt, "reference": e.reference,
         "base": answers["base"][0][i], "tuned": answers["tuned"][0][i],
         "base_rougeL": answers["base"][1][i]["rougeL"], "tuned_rougeL": answers["tuned"][1][i]["rougeL"]}
        for i, e in enumerate(examples)
    ]
    report["summary"] = (f"ROUGE-L {report['systems']['base']['overall']['rougeL']:.4f} -> "
                         f"{report['systems']['tuned']['overall']['rougeL']:.4f} ({report['delta']['rougeL']:+.4f})")
    write_json(out_dir / "report.json", report)
    write_eval_report(out_dir, report)
    return report


@EVALUATORS.register("asr")
def _evaluate_asr(cfg: RunConfig, recipe: Recipe, run_dir: Path) -> dict:
    from cookbook.asr_eval import evaluate_asr

    return evaluate_asr(cfg, recipe, run_dir)
