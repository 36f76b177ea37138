"""`make lm-eval DOMAIN=telecom RUN=dir [LM_EVAL_BACKEND=hf|server] [LIMIT=n]`: the domain's lm-eval task
(the folder its recipe names, e.g. domains/telecom/lm_eval/) on the base model and on the tuned adapter, through
lm-eval's own model classes. Writes RUN/lm_eval/results_<backend>.json and RUN/lm_eval/summary.md.

Model responses are cached per backend and system in RUN/lm_eval/cache/ (lm-eval's `use_cache`, committed after
every answer), so a killed run repeats no finished answer when started again."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import defaultdict
from pathlib import Path

from cookbook.config import load_config
from cookbook.errors import CookbookError
from cookbook.paths import repo_root
from cookbook.runs import read_json, write_json
from cookbook.text_metrics import mean
from judges import lm_eval_backends as backends
from judges.lm_eval_summary import write_summary

SYSTEMS = ("base", "tuned")


def lm_eval_task(domain: str):
    """The domain's lm-eval task (its recipe's `lm_eval=`): folder, task name and the doc field to group by."""
    from cookbook.discovery import get_recipe, load_domains

    if domain not in load_domains():
        raise CookbookError(f"no lm-eval task for domain '{domain}': no such domain (have: "
                            f"{', '.join(load_domains().names())})")
    task = get_recipe(domain).lm_eval
    if task is None or not (task.folder / f"{task.name}.yaml").is_file():
        have = [n for n in load_domains().names() if load_domains().get(n).lm_eval is not None]
        where = f" (looked for {task.folder / (task.name + '.yaml')})" if task else ""
        raise CookbookError(f"no lm-eval task for domain '{domain}'{where}; domains with one: "
                            f"{', '.join(have) or 'none'}")
    return task


def task_dir(domain: str) -> Path:
    return lm_eval_task(domain).folder


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(repo_root()))
    except ValueError:
        return str(path)


def cli_command(model: str, model_args: str, domain: str, gen_kwargs: dict, limit: int | None) -> str:
    """The equivalent `lm_eval` command line, recorded so a result can be reproduced outside the cookbook."""
    parts = ["lm_eval", "--model", model, "--model_args", model_args, "--include_path",
             _shown_path(task_dir(domain)), "--tasks", domain, "--apply_chat_template",
             "--gen_kwargs", ",".join(f"{k}={v}" for k, v in gen_kwargs.items())]
    if limit:
        parts += ["--limit", str(limit)]
    return shlex.join(parts)


def plan_system(system: str, backend: str, run_dir: Path, base_path: str, eval_cfg, batch_size: int,
                device: str, state: backends.ServerState | None) -> dict:
    """What lm-eval is called with for one system: model name, model_args, gen_kwargs."""
    if backend == "hf":
        adapter = run_dir / "adapter" if system == "tuned" else None
        name = f"{base_path} + {adapter}" if adapter else base_path
        model, model_args, engine = "hf", backends.hf_model_args(base_path, adapter, device, batch_size), "hf"
    else:
        name = backends.served_model_name(state, system, run_dir, base_path)
        model, model_args, engine = "local-chat-completions", backends.server_model_args(state, name), state.backend
    gen_kwargs = backends.gen_kwargs_for(engine, eval_cfg.max_new_tokens, eval_cfg.repetition_penalty,
                                         eval_cfg.no_repeat_ngram_size)
    return {"model": model, "model_args": model_args, "engine": engine, "served_model": name,
            "gen_kwargs": gen_kwargs}


def summarize_samples(domain: str, results: dict) -> tuple[dict, dict, list[dict]]:
    """(overall metrics, per-use-case metrics, per-answer rows) from lm-eval's results and logged samples."""
    agg = results["results"][domain]
    samples = results["samples"][domain]
    rows = [{"id": s["doc"]["id"], "group": s["doc"].get("use_case", ""), "answer": s["filtered_resps"][0],
             "rougeL": float(s["rougeL"]), "token_f1": float(s["token_f1"])} for s in samples]
    overall = {"rougeL": float(agg["rougeL,none"]), "token_f1": float(agg["token_f1,none"]), "n": len(rows)}
    for metric in ("rougeL", "token_f1"):
        stderr = agg.get(f"{metric}_stderr,none")
        overall[f"{metric}_stderr"] = float(stderr) if isinstance(stderr, int | float) else None
    groups = defaultdict(list)
    for r in rows:
        groups[r["group"]].append(r)
    by_group = {g: {"rougeL": mean(r["rougeL"] for r in rs), "token_f1": mean(r["token_f1"] for r in rs),
                    "n": len(rs)} for g, rs in sorted(groups.items())}
    return overall, by_group, rows


def evaluate_system(domain: str, plan: dict, limit: int | None, cache: Path) -> dict:
    import lm_eval
    from lm_eval.tasks import TaskManager

    import cookbook.peft_methods  # noqa: F401  an adapter of one of our own PEFT methods loads only after this

    cache.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    results = lm_eval.simple_evaluate(
        model=plan["model"], model_args=plan["model_args"], tasks=[domain],
        task_manager=TaskManager(include_path=str(task_dir(domain)), include_defaults=False),
        limit=limit, apply_chat_template=True, gen_kwargs=dict(plan["gen_kwargs"]), use_cache=str(cache),
        log_samples=True)
    if results is None:  # lm-eval returns None on non-zero ranks; we run one process
        raise CookbookError("lm-eval returned no results")
    overall, by_group, rows = summarize_samples(domain, results)
    return {**plan, "overall": overall, "by_group": by_group, "runtime_s": round(time.time() - t0, 1),
            "lm_eval_version": results.get("versions", {}).get(domain), "answers": rows}


def run_lm_eval(domain: str, run_dir: str | Path, backend: str = "hf", limit: int | None = None,
                systems: tuple[str, ...] = SYSTEMS, batch_size: int = 16,
                state_path: str | Path = backends.DEFAULT_STATE) -> dict:
    import torch

    from cookbook.models.resolve import resolve_model

    run_dir = Path(run_dir)
    metrics = read_json(run_dir / "metrics.json")
    if not metrics or not (run_dir / "adapter" / "adapter_config.json").is_file():
        raise CookbookError(f"{run_dir}: not a finished run directory (needs adapter/ and metrics.json)")
    if backend not in ("hf", "server"):
        raise CookbookError(f"LM_EVAL_BACKEND={backend}: expected hf or server")
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        raise CookbookError(f"systems: {', '.join(unknown) or 'none given'}; expected some of {', '.join(SYSTEMS)}")
    task_dir(domain)
    eval_cfg = load_config(run_dir / "config.yaml").eval if (run_dir / "config.yaml").is_file() else None
    if eval_cfg is None:
        from cookbook.config import EvalConfig

        eval_cfg = EvalConfig()
    base_path = resolve_model(metrics["base_model"]).path
    device = "cuda" if torch.cuda.is_available() else "cpu"
    state = backends.read_server_state(state_path) if backend == "server" else None

    out_dir = run_dir / "lm_eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / f"results_{backend}.json"
    report = read_json(results_path) or {}
    report.update({"domain": domain, "run": str(run_dir), "backend": backend, "base_model": metrics["base_model"],
                   "method": metrics.get("method"), "limit": limit, "device": device,
                   "server": {"url": state.url, "engine": state.backend} if state else None})
    report.setdefault("systems", {})
    for system in systems:
        plan = plan_system(system, backend, run_dir, base_path, eval_cfg, batch_size, device, state)
        if state is not None:
            if system == "tuned" and state.backend == "transformers":
                backends.ensure_merged(run_dir, base_path)
            backends.preflight(state, plan["served_model"])
        plan["command"] = cli_command(plan["model"], plan["model_args"], domain, plan["gen_kwargs"], limit)
        print(f"[lm-eval] {system}: {plan['command']}", file=sys.stderr, flush=True)
        result = evaluate_system(domain, plan, limit, out_dir / "cache" / f"{backend}_{system}")
        result["limit"] = limit
        report["systems"][system] = result
        print(f"[lm-eval] {system}: rougeL={result['overall']['rougeL']:.4f} "
              f"token_f1={result['overall']['token_f1']:.4f} n={result['overall']['n']} "
              f"({result['runtime_s']} s)", file=sys.stderr, flush=True)
        write_json(results_path, report)  # after each system, so a later failure keeps the finished one
    done = report["systems"]
    if "base" in done and "tuned" in done and done["base"]["overall"]["n"] == done["tuned"]["overall"]["n"]:
        report["delta"] = {k: done["tuned"]["overall"][k] - done["base"]["overall"][k] for k in ("rougeL", "token_f1")}
    else:
        report.pop("delta", None)
    write_json(results_path, report)
    write_summary(out_dir)
    return report


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m judges.lm_eval_run", description=__doc__.split("\n\n")[0])
    p.add_argument("--domain", default="telecom")
    p.add_argument("--run", required=True, help="run directory (adapter/, metrics.json, config.yaml)")
    p.add_argument("--backend", default="hf", choices=["hf", "server"])
    p.add_argument("--limit", type=int, default=None, help="first N questions only")
    p.add_argument("--systems", default="base,tuned", help="comma-separated: base, tuned")
    p.add_argument("--batch-size", type=int, default=16, help="hf backend generation batch size")
    p.add_argument("--server-state", default=str(backends.DEFAULT_STATE), help="judge server state file")
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
