"""`cookbook train|eval|demo|ls|bench|bench-dpo <domain> [--config NAME] [section.key=value ...]`;
`cookbook sandbox FILE.py`"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from cookbook.config import RunConfig
from cookbook.discovery import get_recipe, load_domains
from cookbook.errors import CookbookError
from cookbook.recipe import Recipe
from cookbook.runs import finished_run, is_main_process, load_run_config, run_dir_for
from cookbook.sandbox.cli import add_parser as add_sandbox_parser
from cookbook.tasks import get_task, load_tasks


def method_task_kinds(method) -> list[str]:
    """The kinds a method trains in: its own, each followed by the kinds that train as it (a text method also
    trains the program and preference kinds)."""
    tasks = load_tasks()
    kinds = []
    for own in method.task_kinds:
        kinds += [own, *(k for k in tasks.names() if get_task(k).trains_as == own)]
    return kinds


def cmd_ls(args) -> int:
    from cookbook.models import describe_sources
    from cookbook.peft_methods import PEFT_METHODS

    domains = load_domains()
    print("domains (domains/<name>/recipe.py; also $COOKBOOK_DOMAINS_PATH):")
    for name in domains.names():
        recipe = domains.get(name)
        print(f"  {name:16s} [{recipe.task}] {recipe.description}")
    print("task kinds (cookbook/tasks/<kind>/):")
    for name in load_tasks().names():
        print(f"  {name:16s} {get_task(name).description}")
    print("methods [task kinds they train in] (cookbook/peft_methods/):")
    width = max(map(len, PEFT_METHODS.names()))
    for name in PEFT_METHODS.names():
        m = PEFT_METHODS.get(name)
        print(f"  {name:{width}s} [{', '.join(method_task_kinds(m))}] {m.description}")
    print("model sources (offline; also any local HF folder or hub id):")
    for line in describe_sources():
        print(f"  {line}")
    return 0


def cmd_train(args) -> int:
    recipe = get_recipe(args.domain)
    cfg = recipe.load_config(args.config, args.overrides)
    run_dir = run_dir_for(cfg)
    cfg.output_dir = str(run_dir)
    metrics = get_task(recipe.task).train(cfg, recipe, run_dir)
    if is_main_process():
        print(f"[cookbook] run directory: {run_dir}", file=sys.stderr)
        print(f"[cookbook] steps={metrics['steps']} train_loss {metrics['train_loss_first']} -> "
              f"{metrics['train_loss_last']}, eval_loss={metrics['eval_loss']}, "
              f"{metrics['train_runtime_s']}s, peak RSS {metrics['peak_rss_mb']} MB", file=sys.stderr)
        print(run_dir)
    return 0


def _run_config(recipe: Recipe, run: str, overrides: list[str], config: str | None) -> RunConfig:
    """The run's own resolved config.yaml, unless --config names another; overrides apply on top."""
    cfg = load_run_config(run, overrides) if config is None else recipe.load_config(config, overrides)
    cfg.domain = recipe.name
    return cfg


def _finished_run_arg(args) -> Path:
    if not args.run:
        raise CookbookError("RUN=<run directory> is required (e.g. RUN=runs/<domain>/<timestamp>)")
    finished_run(Path(args.run))
    return Path(args.run)


def cmd_eval(args) -> int:
    recipe = get_recipe(args.domain)
    run = _finished_run_arg(args)
    report = get_task(recipe.task).evaluate(_run_config(recipe, args.run, args.overrides, args.config), recipe, run)
    print(f"[cookbook] report: {run / 'eval' / 'report.md'} ({report['summary']})", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    import importlib

    if not args.domain:
        from apps.hub import main as hub_main

        hub_main(host=args.host, port=args.port, runs_root=args.runs_root)
        return 0
    recipe = get_recipe(args.domain)
    if not recipe.demo_module:
        raise CookbookError(f"domain '{recipe.name}' has no demo (its recipe names no demo_module)")
    run = _finished_run_arg(args)
    importlib.import_module(recipe.demo_module).main(run_dir=str(run), host=args.host, port=args.port)
    return 0


def cmd_compare(args) -> int:
    from cookbook.peft_methods import PEFT_METHODS
    from cookbook.tasks.method_runs import method_spec, with_sizes

    recipe = get_recipe(args.domain)
    task = get_task(recipe.task)
    if task.compare is None:
        raise CookbookError(f"compare: the '{task.name}' task kind of domain '{recipe.name}' has no comparison yet")
    cfg = recipe.load_config(args.config, args.overrides)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    sizes = [s.strip() for s in (args.sizes or "").split(",") if s.strip()]
    methods = with_sizes(methods, sizes, lambda name: PEFT_METHODS.get(name).sizes)
    for m in methods:
        spec = PEFT_METHODS.get(method_spec(m)[0])  # unknown names fail here, before anything trains
        if not spec.supports(task.method_kind):
            raise CookbookError(f"compare: method '{m}' does not support {task.method_kind} training")
        ok, why = spec.available()
        if not ok:
            raise CookbookError(f"compare: method '{m}' is not usable here ({why}); leave it out of --methods")
    out = Path(args.output or f"runs/{recipe.name}/compare")
    task.compare(cfg, recipe, args.config, methods, out, args.overrides)
    print(f"[cookbook] comparison: {out / 'report.md'}", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    from cookbook.bench import run_sft_bench

    run_sft_bench(args.overrides)
    return 0


def cmd_bench_sampling(args) -> int:
    from cookbook.tasks.program.bench import run_sampling_bench

    run_sampling_bench(args.overrides)
    return 0


def cmd_bench_dpo(args) -> int:
    from cookbook.tasks.preference.bench import run_dpo_bench

    run_dpo_bench(args.overrides)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cookbook", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("ls", help="list domains, task kinds, PEFT methods and model sources").set_defaults(fn=cmd_ls)
    for name, fn, help_ in (("train", cmd_train, "fine-tune a domain recipe"),
                            ("eval", cmd_eval, "base vs tuned on the held-out split"),
                            ("demo", cmd_demo, "start a domain's Gradio demo; no domain: the hub of every domain")):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("domain", nargs="?" if name == "demo" else None, default="" if name == "demo" else None,
                        help="a domain from `cookbook ls`" + ("; none: the hub listing every domain"
                                                             if name == "demo" else ""))
        sp.add_argument("--config", default="default" if name == "train" else None,
                        help="config name in domains/<d>/configs or a YAML path")
        if name != "train":
            sp.add_argument("--run", help="run directory")
        if name == "demo":
            sp.add_argument("--host", default="127.0.0.1")
            sp.add_argument("--port", type=int, default=7860)
            sp.add_argument("--runs-root", default="runs",
                            help="the hub (no domain) shows the latest finished run in RUNS_ROOT/<domain>/")
        sp.add_argument("overrides", nargs="*", help="dotted overrides, e.g. train.max_steps=5")
        sp.set_defaults(fn=fn)
    sp = sub.add_parser("compare", help="train several methods at equal steps and compare them")
    sp.add_argument("domain")
    sp.add_argument("--methods", required=True,
                    help="comma-separated, e.g. lora,adalora,bitfit,s2lora; a method with its own peft settings: "
                         "conv_adapter:adapter_size=large")
    sp.add_argument("--sizes", default="",
                    help="comma-separated size presets, e.g. small,medium,large: each method that has them runs "
                         "once per size (conv_adapter -> conv_adapter:adapter_size=small, ...); the rest once")
    sp.add_argument("--config", default="default")
    sp.add_argument("--output", help="comparison directory (default runs/<domain>/compare)")
    sp.add_argument("overrides", nargs="*")
    sp.set_defaults(fn=cmd_compare)
    sp = sub.add_parser("bench", help="our SFT vs a plain TRL SFTTrainer script -> reports/bench/sft.json")
    sp.add_argument("overrides", nargs="*")
    sp.set_defaults(fn=cmd_bench)
    sp = sub.add_parser("bench-sampling", help="pass@k sampling: batched generate vs a per-sample loop "
                                               "(domain=<program domain>) -> reports/bench/<output>.json")
    sp.add_argument("overrides", nargs="*")
    sp.set_defaults(fn=cmd_bench_sampling)
    sp = sub.add_parser("bench-dpo", help="our DPO stage vs a plain TRL DPOTrainer script (domain=<a domain with "
                                          "preference pairs>) -> reports/bench/dpo.json")
    sp.add_argument("overrides", nargs="*")
    sp.set_defaults(fn=cmd_bench_dpo)
    add_sandbox_parser(sub)  # cookbook/sandbox/cli.py
    return p


def main(argv: list[str] | None = None) -> int:
    # A shell starting us in the background (CI, nohup, `&`) leaves SIGINT ignored; Ctrl-C / `kill -INT` must
    # still stop a run cleanly (resumable, `completed: false`), so restore Python's handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    p = parser()
    # Overrides may come before or after options (`--config tiny train.max_steps=5`), so take leftovers too.
    args, extra = p.parse_known_args(argv)
    bad = [a for a in extra if "=" not in a or a.startswith("-")]
    if bad:
        p.error(f"unrecognized arguments: {' '.join(bad)}")
    if extra:
        args.overrides = list(getattr(args, "overrides", [])) + extra
    try:
        return args.fn(args)
    except CookbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted: the run directory keeps its last checkpoint and `completed: false`; "
              "run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
