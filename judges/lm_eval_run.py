"""`make lm-eval DOMAIN=<domain> RUN=dir [LM_EVAL_BACKEND=hf|server] [LIMIT=n]`: the domain's lm-eval task (the
folder and task name its recipe's `lm_eval=` gives, e.g. domains/<domain>/lm_eval/) on the base model and on the
tuned adapter, through lm-eval's own model classes. Writes RUN/lm_eval/results_<backend>.json and
RUN/lm_eval/summary.md.

The prompt is the one training and `cookbook eval` use: the task's doc_to_text as the user turn and the recipe's
system prompt as lm-eval's system instruction, both rendered by the model's chat template; generation stops at the
model's own end-of-turn strings (lm-eval's `until`, from cookbook PromptFormat). The metrics are whatever the task
reports, read from lm-eval's results; the per-group breakdown uses the doc field the recipe names.

Model responses are cached per backend and system in RUN/lm_eval/cache/ (lm-eval's `use_cache`, committed after
every answer), so a killed run repeats no finished answer when started again."""

from __future__ import annotations

import argparse
import copy
import json
import shlex
import sys
import time
from collections import defaultdict
from pathlib import Path

from cookbook.errors import CookbookError
from cookbook.paths import repo_root
from cookbook.recipe import LmEvalTask
from cookbook.runs import finished_run, load_run_config, read_json, write_json
from cookbook.text_metrics import mean
from judges import lm_eval_backends as backends
from judges import server_state
from judges.lm_eval_summary import system_metrics, write_summary

SYSTEMS = ("base", "tuned")


def lm_eval_task(domain: str) -> LmEvalTask:
    """The domain's lm-eval task (its recipe's `lm_eval=`): folder, task name and the doc field to group by."""
    from cookbook.discovery import get_recipe, load_domains

    if domain not in load_domains():
        raise CookbookError(f"no lm-eval task for domain '{domain}': no such domain (have: "
                            f"{', '.join(load_domains().names())})")
    task = get_recipe(domain).lm_eval
    if task is None or not (Path(task.folder) / f"{task.name}.yaml").is_file():
        have = [n for n in load_domains().names() if load_domains().get(n).lm_eval is not None]
        where = f" (looked for {Path(task.folder) / (task.name + '.yaml')})" if task else ""
        raise CookbookError(f"no lm-eval task for domain '{domain}'{where}; domains with one: "
                            f"{', '.join(have) or 'none'}")
    return task


def system_instruction(domain: str) -> str:
    """The domain's system prompt, as lm-eval's system instruction (PromptFormat strips it the same way)."""
    from cookbook.discovery import get_recipe

    return get_recipe(domain).system_prompt.strip()


def shown_path(path: Path) -> str:
    """`path` relative to the repository when inside it (the recorded command runs from the repository root)."""
    try:
        return str(Path(path).resolve().relative_to(repo_root().resolve()))
    except ValueError:
        return str(path)


def cli_command(model: str, model_args: str, task: LmEvalTask, gen_kwargs: dict, limit: int | None,
                system: str = "") -> str:
    """The equivalent `lm_eval` command line, recorded so a result can be reproduced outside the cookbook.
    `batch_size=` and `device=` in model_args become `--batch_size` / `--device`: lm-eval's command line always
    passes its own (1, cuda:0), and the model class refuses to get one twice."""
    args = [a for a in model_args.split(",") if a]
    flags = {k: a.split("=", 1)[1] for a in args for k in ("batch_size", "device") if a.startswith(f"{k}=")}
    parts = ["lm_eval", "--model", model, "--model_args",
             ",".join(a for a in args if a.split("=", 1)[0] not in flags), "--include_path", shown_path(task.folder),
             "--tasks", task.name, "--apply_chat_template"]
    for key, value in flags.items():
        parts += [f"--{key}", value]
    if system:
        parts += ["--system_instruction", system]
    parts += ["--gen_kwargs", json.dumps(gen_kwargs)]  # JSON: `until` is a list
    if limit:
        parts += ["--limit", str(limit)]
    return shlex.join(parts)


def plan_system(system: str, backend: str, run_dir: Path, base_path: str, eval_cfg, batch_size: int,
                device: str, state: server_state.ServerState | None, stops: list[str]) -> dict:
    """What lm-eval is called with for one system: model name, model_args, gen_kwargs (the run's decoding
    settings, and `until` = the model's stop strings)."""
    if backend == "hf":
        adapter = run_dir / "adapter" if system == "tuned" else None
        name = f"{base_path} + {adapter}" if adapter else base_path
        model, model_args, engine = "hf", backends.hf_model_args(base_path, adapter, device, batch_size), "hf"
    else:
        name = backends.served_model_name(state, system, run_dir, base_path)
        model, model_args, engine = "local-chat-completions", backends.server_model_args(state, name), state.backend
    gen_kwargs = backends.gen_kwargs_for(engine, eval_cfg.max_new_tokens, eval_cfg.repetition_penalty,
                                         eval_cfg.no_repeat_ngram_size)
    gen_kwargs["until"] = list(stops)
    return {"model": model, "model_args": model_args, "engine": engine, "served_model": name,
            "gen_kwargs": gen_kwargs}


def task_metrics(agg: dict) -> tuple[str, list[str]]:
    """(filter, metric names) of one task's lm-eval results, in lm-eval's order: keys are "<metric>,<filter>"
    (e.g. "rougeL,none"); "<metric>_stderr,<filter>" keys and non-numbers (the alias) are not metrics. Only the
    first filter's metrics are read."""
    chosen, names = None, []
    for key, value in agg.items():
        metric, sep, filt = key.partition(",")
        if not sep or metric.endswith("_stderr") or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        chosen = chosen if chosen is not None else filt
        if filt == chosen:
            names.append(metric)
    if not names:
        raise CookbookError(f"lm-eval reported no metrics for the task (keys: {', '.join(agg)})")
    return chosen, names


def summarize_samples(task: LmEvalTask, results: dict) -> tuple[list[str], dict, dict, list[dict]]:
    """(metric names, overall metrics, per-group metrics, per-answer rows) from lm-eval's results and logged
    samples. Groups are the docs' `task.group_field`."""
    agg = results["results"][task.name]
    filt, metrics = task_metrics(agg)
    samples = [s for s in results["samples"][task.name] if s.get("filter", filt) == filt]
    rows = [{"id": s["doc"].get("id", s.get("doc_id")), "group": str(s["doc"].get(task.group_field, "")),
             "answer": s["filtered_resps"][0], **{m: float(s[m]) for m in metrics}} for s in samples]
    overall: dict = {m: float(agg[f"{m},{filt}"]) for m in metrics}
    for m in metrics:
        stderr = agg.get(f"{m}_stderr,{filt}")
        overall[f"{m}_stderr"] = float(stderr) if isinstance(stderr, int | float) else None
    overall["n"] = len(rows)
    groups = defaultdict(list)
    for r in rows:
        groups[r["group"]].append(r)
    by_group = {g: {**{m: mean(r[m] for r in rs) for m in metrics}, "n": len(rs)} for g, rs in sorted(groups.items())}
    return metrics, overall, by_group, rows


def evaluate_system(task: LmEvalTask, plan: dict, limit: int | None, cache: Path, system: str = "") -> dict:
    import lm_eval
    from lm_eval.tasks import TaskManager

    import cookbook.peft_methods  # noqa: F401  an adapter of one of our own PEFT methods loads only after this

    cache.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    results = lm_eval.simple_evaluate(
        model=plan["model"], model_args=plan["model_args"], tasks=[task.name],
        task_manager=TaskManager(include_path=str(task.folder), include_defaults=False),
        limit=limit, apply_chat_template=True, system_instruction=system or None,
        gen_kwargs=copy.deepcopy(plan["gen_kwargs"]), use_cache=str(cache), log_samples=True)
    if results is None:  # lm-eval returns None on non-zero ranks; we run one process
        raise CookbookError("lm-eval returned no results")
    metrics, overall, by_group, rows = summarize_samples(task, results)
    return {**plan, "metrics": metrics, "overall": overall, "by_group": by_group,
            "runtime_s": round(time.time() - t0, 1), "lm_eval_version": results.get("versions", {}).get(task.name),
            "answers": rows}


def run_lm_eval(domain: str, run_dir: str | Path, backend: str = "hf", limit: int | None = None,
                systems: tuple[str, ...] = SYSTEMS, batch_size: int = 16,
                state_path: str | Path | None = None) -> dict:
    import torch

    from cookbook.models.resolve import resolve_model

    run_dir = Path(run_dir)
    _, metrics = finished_run(run_dir)
    if backend not in ("hf", "server"):
        raise CookbookError(f"LM_EVAL_BACKEND={backend}: expected hf or server")
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        raise CookbookError(f"systems: {', '.join(unknown) or 'none given'}; expected some of {', '.join(SYSTEMS)}")
    task = lm_eval_task(domain)
    system = system_instruction(domain)
    eval_cfg = load_run_config(run_dir).eval
    base_path = resolve_model(metrics["base_model"]).path
    stops = list(dict.fromkeys([*backends.stop_strings(base_path), *task.stops]))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    state = server_state.read_state(state_path, hint=" (or use LM_EVAL_BACKEND=hf)") if backend == "server" \
        else None

    out_dir = run_dir / "lm_eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / f"results_{backend}.json"
    report = read_json(results_path) or {}
    report.update({"domain": domain, "task": task.name, "include_path": shown_path(task.folder),
                   "group_field": task.group_field, "group_label": task.group_label, "system_instruction": system,
                   "run": str(run_dir), "backend": backend, "base_model": metrics["base_model"],
                   "method": metrics.get("method"), "limit": limit, "device": device,
                   "server": {"url": state.url, "engine": state.backend} if state else None})
    report.setdefault("systems", {})
    for name in systems:
        plan = plan_system(name, backend, run_dir, base_path, eval_cfg, batch_size, device, state, stops)
        if state is not None:
            if name == "tuned" and state.backend == "transformers":
                backends.ensure_merged(run_dir, base_path)
            backends.preflight(state, plan["served_model"])
        plan["command"] = cli_command(plan["model"], plan["model_args"], task, plan["gen_kwargs"], limit, system)
        print(f"[lm-eval] {name}: {plan['command']}", file=sys.stderr, flush=True)
        result = evaluate_system(task, plan, limit, out_dir / "cache" / f"{backend}_{name}", system)
        result["limit"] = limit
        report["systems"][name] = result
        scores = " ".join(f"{m}={result['overall'][m]:.4f}" for m in result["metrics"])
        print(f"[lm-eval] {name}: {scores} n={result['overall']['n']} ({result['runtime_s']} s)", file=sys.stderr,
              flush=True)
        write_json(results_path, report)  # after each system, so a later failure keeps the finished one
    done = report["systems"]
    if "base" in done and "tuned" in done and done["base"]["overall"]["n"] == done["tuned"]["overall"]["n"]:
        shared = [m for m in system_metrics(done["tuned"]) if m in system_metrics(done["base"])]
        report["delta"] = {m: done["tuned"]["overall"][m] - done["base"]["overall"][m] for m in shared}
    else:
        report.pop("delta", None)
    write_json(results_path, report)
    write_summary(out_dir)
    return report


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m judges.lm_eval_run", description=__doc__.split("\n\n")[0])
    p.add_argument("--domain", required=True, help="the domain whose recipe names the lm-eval task (DOMAIN=...)")
    p.add_argument("--run", required=True, help="run directory (adapter/, metrics.json, config.yaml)")
    p.add_argument("--backend", default="hf", choices=["hf", "server"])
    p.add_argument("--limit", type=int, default=None, help="first N questions only")
    p.add_argument("--systems", default="base,tuned", help="comma-separated: base, tuned")
    p.add_argument("--batch-size", type=int, default=16, help="hf backend generation batch size")
    p.add_argument("--server-state", default=None,
                   help=f"judge server state file (default ${server_state.ENV} or {server_state.DEFAULT_STATE})")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        report = run_lm_eval(args.domain, args.run, args.backend, args.limit or None,
                             tuple(s.strip() for s in args.systems.split(",") if s.strip()), args.batch_size,
                             args.server_state)
    except CookbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted: finished answers are cached in RUN/lm_eval/cache; run the same command to resume",
              file=sys.stderr)
        return 130
    print(Path(report["run"]) / "lm_eval" / "summary.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
