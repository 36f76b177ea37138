"""`cookbook compare <text domain> --methods a,b,c`: train each method on the same data and budget (one process
each, cookbook/tasks/method_runs.py), answer the held-out split once with the base model and once with each tuned
run (greedy, the run config's decoding), score every system with the domain's metrics, and compare trainable
parameters, train time and peak memory against the scores, each with a bootstrap 95% interval over examples and a
paired one for its change from the base. A method whose registry entry exports a smaller model (APT: merged, pruned
FFN neurons dropped) also gets that model's size and its generation speed next to the unpruned base with the
adapter and the base alone.

Resumable: finished runs are reused; answers are kept with the settings that drew them (OUT/base/, RUN/compare/), and
a run's own `cookbook eval` answers are taken when they were drawn with the same decoding on the same examples after
its adapter was saved. Writes OUT/report.json and report.md, and reports/<domain>/compare_<base model>.json, from
which reports/<domain>/compare.md is rebuilt over every base model compared so far."""

from __future__ import annotations

import gc
import sys
from dataclasses import replace
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.intervals import mean_interval, paired_interval
from cookbook.peft_methods import PEFT_METHODS
from cookbook.recipe import Recipe
from cookbook.runs import read_json, write_json
from cookbook.tasks.answer_cache import cached_samples
from cookbook.tasks.method_runs import method_dir, method_spec, publish, run_columns, stamp_measured, train_method_run
from cookbook.tasks.text.answers import held_out
from cookbook.tasks.text.compare_report import write_domain_report, write_run_report
from cookbook.tasks.text.examples import prompt_text, system_prompt_for
from cookbook.tasks.text.generate import TunedModel, decoding_settings, generate, load_base, load_run
from cookbook.tasks.text.report import metric_keys, primary_metric


def answer(tm: TunedModel, cfg: RunConfig, recipe: Recipe, examples: list, use_adapter: bool, desc: str) -> list:
    return generate(tm, [e.prompt for e in examples], [system_prompt_for(e, recipe.system_prompt) for e in examples],
                    use_adapter=use_adapter, prefixes=[e.answer_prefix for e in examples],
                    batch_size=cfg.eval.batch_size, desc=desc, **decoding_settings(cfg.eval))


def answer_key(cfg: RunConfig, examples: list, run_dir: Path | None = None) -> dict:
    """What a stored set of answers must have been drawn with to be reused: decoding, examples and, for a run, the
    time its adapter was saved (a run retrained in place answers again)."""
    key = {"decoding": decoding_settings(cfg.eval), "ids": [e.id for e in examples]}
    if run_dir is not None:
        key["adapter_saved"] = (run_dir / "adapter" / "adapter_config.json").stat().st_mtime
    return key


def eval_answers(run_dir: Path, key: dict) -> tuple[list[str], float] | None:
    """The tuned answers of the run's own RUN/eval/report.json, if it drew them as `key` says, after the adapter."""
    path = run_dir / "eval" / "report.json"
    report = read_json(path)
    if not report or path.stat().st_mtime < key["adapter_saved"]:
        return None
    drawn = {k: report.get(k) for k in key["decoding"]}
    if drawn != key["decoding"] or [a["id"] for a in report.get("answers", [])] != key["ids"]:
        return None
    print(f"[cookbook] reusing the tuned answers of {path}", file=sys.stderr)
    return [a["tuned"] for a in report["answers"]], report["systems"]["tuned"]["generation_s"]


def scored(recipe: Recipe, answers: list[str], examples: list, seconds: float, source: str) -> dict:
    scores = recipe.score(answers, examples)
    per = scores.pop("per_example", None) or []
    keys = metric_keys(scores["overall"])
    return {"generation_s": seconds, "answers_from": source, **scores,
            "intervals": {k: mean_interval([r[k] for r in per]) for k in keys if per and k in per[0]},
            "per_example": {k: [r[k] for r in per] for k in keys if per and k in per[0]}}


def delta_from(base: dict, row: dict, keys: list[str]) -> dict:
    """Change of each metric from the base, with a paired bootstrap interval where both have per-example scores."""
    out = {}
    for k in keys:
        d = {"value": row["overall"][k] - base["overall"][k]}
        a, b = base["per_example"].get(k), row["per_example"].get(k)
        if a and b:
            d["interval"] = paired_interval(a, b)
        out[k] = d
    return out


def export_measures(tm: TunedModel, export, cfg: RunConfig, recipe: Recipe, examples: list) -> dict:
    """Size of the method's exported model, and generation speed of the base, the base with the adapter and the
    export on the first eval batch of held-out prompts, `eval.max_new_tokens` tokens each (consumes `tm`)."""
    import contextlib

    from cookbook.tasks.text.speed import decode_speed, same_token_share

    prompts = [prompt_text(tm.fmt, e, recipe.system_prompt) for e in examples[: cfg.eval.batch_size]]
    n, bs = cfg.eval.max_new_tokens, cfg.eval.batch_size
    base, _ = decode_speed(tm, prompts, n, bs, use_adapter=False)
    adapter, adapter_ids = decode_speed(tm, prompts, n, bs)
    plain, info = export(tm.model)
    pruned, pruned_ids = decode_speed(replace(tm, model=plain, base_mode=contextlib.nullcontext), prompts, n, bs)
    return {**info, "prompts": len(prompts), "new_tokens": n,
            "speed": {"base": base, "adapter": adapter, "exported": pruned},
            "same_tokens_as_adapter": round(same_token_share(adapter_ids, pruned_ids), 4)}


def method_row(method: str, run_dir: Path, cfg: RunConfig, recipe: Recipe, examples: list) -> dict:
    key = answer_key(cfg, examples, run_dir)
    loaded: list[TunedModel] = []

    def tm() -> TunedModel:
        if not loaded:
            loaded.append(load_run(run_dir))
        return loaded[0]

    reused = eval_answers(run_dir, key)
    if reused:
        (answers, seconds), source = reused, str(run_dir / "eval" / "report.json")
    else:
        path = run_dir / "compare" / "answers.json"
        answers, seconds = cached_samples(path, key, lambda: answer(tm(), cfg, recipe, examples, True, method))
        source = str(path)
    row = {"system": method, **run_columns(run_dir), **scored(recipe, answers, examples, seconds, source)}
    export = PEFT_METHODS.get(method_spec(method)[0]).export
    if export is not None:
        speed_key = {**key, "prompts": min(len(examples), cfg.eval.batch_size), "batch_size": cfg.eval.batch_size}
        row["export"], _ = cached_samples(run_dir / "compare" / "export.json", speed_key,
                                          lambda: export_measures(tm(), export, cfg, recipe, examples))
    loaded.clear()
    gc.collect()
    return row


def compare_text(cfg: RunConfig, recipe: Recipe, config_name: str, methods: list[str], out_dir: Path,
                 overrides: list[str]) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    for method in methods:
        train_method_run(recipe.name, config_name, method, method_dir(out_dir, method), overrides)
    examples = held_out(cfg, recipe)
    answers, seconds = cached_samples(out_dir / "base" / "answers.json", answer_key(cfg, examples),
                                      lambda: answer(load_base(cfg.model.source), cfg, recipe, examples, False,
                                                     "base"))
    gc.collect()
    rows = [{"system": "base", "trainable_params": 0,
             **scored(recipe, answers, examples, seconds, str(out_dir / "base" / "answers.json"))}]
    rows += [method_row(m, method_dir(out_dir, m), cfg, recipe, examples) for m in methods]
    keys = metric_keys(rows[0]["overall"])
    for row in rows[1:]:
        row["delta"] = delta_from(rows[0], row, keys)
    for row in rows:
        row.pop("per_example")
    report = {"domain": recipe.name, "config": config_name, "overrides": overrides, "base_model": cfg.model.source,
              "methods": methods, "split": recipe.test_splits[0], "n_examples": len(examples),
              "decoding": decoding_settings(cfg.eval),
              "budget": {"max_steps": cfg.train.max_steps, "batch_size": cfg.train.batch_size,
                         "grad_accum": cfg.train.grad_accum, "lr": cfg.train.lr},
              "metrics": keys, "primary_metric": primary_metric(recipe, keys),
              "metric_labels": {k: recipe.metric_labels.get(k, k) for k in keys}, "rows": rows,
              "created": stamp_measured(rows)}
    write_json(out_dir / "report.json", report)
    write_run_report(out_dir, report)
    publish(report, write_domain_report)
    return report
