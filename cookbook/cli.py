"""`cookbook train|eval|demo|ls|bench <domain> [--config NAME] [section.key=value ...]`"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from cookbook.config import RunConfig, load_config
from cookbook.errors import CookbookError
from cookbook.recipes import Recipe, get_recipe, load_domains
from cookbook.registry import Registry
from cookbook.runs import read_json, run_dir_for

TRAINERS: Registry = Registry("trainer")


@TRAINERS.register("sft")
def _sft(cfg, recipe, run_dir):
    from cookbook.train.sft import train_sft

    return train_sft(cfg, recipe, run_dir)


@TRAINERS.register("asr")
def _asr(cfg, recipe, run_dir):
    from cookbook.train.asr import train_asr

    return train_asr(cfg, recipe, run_dir)


def _config(recipe: Recipe, name: str, overrides: list[str]) -> RunConfig:
    cfg = load_config(recipe.config_path(name), overrides)
    cfg.domain = recipe.name
    return cfg


def cmd_ls(args) -> int:
    from cookbook.models import MODEL_SOURCES
    from cookbook.peft_methods import PEFT_METHODS

    domains = load_domains()
    print("domains:")
    for name in domains.names():
        print(f"  {name:16s} {domains.get(name).description}")
    print("methods:")
    for name in PEFT_METHODS.names():
        print(f"  {name:16s} {PEFT_METHODS.get(name).description}")
    print("model sources (offline; also any local HF folder or hub id):")
    for name in MODEL_SOURCES.names():
        print(f"  {name:16s} {MODEL_SOURCES.get(name).description}")
    print("trainers: " + ", ".join(TRAINERS.names()))
    return 0


def cmd_train(args) -> int:
    recipe = get_recipe(args.domain)
    cfg = _config(recipe, args.config, args.overrides)
    run_dir = run_dir_for(cfg)
    cfg.output_dir = str(run_dir)
    metrics = TRAINERS.get(recipe.trainer)(cfg, recipe, run_dir)
    from cookbook.runs import is_main_process

    if is_main_process():
        print(f"[cookbook] run directory: {run_dir}", file=sys.stderr)
        print(f"[cookbook] steps={metrics['steps']} train_loss {metrics['train_loss_first']} -> "
              f"{metrics['train_loss_last']}, eval_loss={metrics['eval_loss']}, "
              f"{metrics['train_runtime_s']}s, peak RSS {metrics['peak_rss_mb']} MB", file=sys.stderr)
        print(run_dir)
    return 0


def _run_config(recipe: Recipe, run: str, overrides: list[str], config: str | None) -> RunConfig:
    """The run's own resolved config.yaml, unless --config names another; overrides apply on top."""
    run_cfg = Path(run) / "config.yaml"
    if config is None and run_cfg.is_file():
        cfg = load_config(run_cfg, overrides)
    else:
        cfg = _config(recipe, config or "default", overrides)
    cfg.domain = recipe.name
    return cfg


def _require_run(run: str | None) -> Path:
    if not run:
        raise CookbookError("RUN=<run directory> is required (e.g. RUN=runs/telecom/<timestamp>)")
    path = Path(run)
    if not read_json(path / "metrics.json"):
        raise CookbookError(f"{path}: no metrics.json; is this a run directory from `make finetune`?")
    return path


def cmd_eval(args) -> int:
    from cookbook.evaluation import evaluate_run

    recipe = get_recipe(args.domain)
    run = _require_run(args.run)
    report = evaluate_run(_run_config(recipe, args.run, args.overrides, args.config), recipe, run)
    print(f"[cookbook] report: {run / 'eval' / 'report.md'} ({report['summary']})", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    import importlib

    recipe = get_recipe(args.domain)
    run = _require_run(args.run)
    app = importlib.import_module(f"apps.{recipe.name}")
    app.main(run_dir=str(run), host=args.host, port=args.port)
    return 0


def cmd_compare(args) -> int:
    from cookbook.asr_compare import compare_methods

    recipe = get_recipe(args.domain)
    cfg = _config(recipe, args.config, args.overrides)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    from cookbook.peft_methods import PEFT_METHODS

    for m in methods:
        PEFT_METHODS.get(m)  # unknown names fail here, before anything trains
    out = Path(args.output or f"runs/{recipe.name}/compare")
    compare_methods(cfg, recipe, args.config, methods, out, args.overrides)
    print(f"[cookbook] comparison: {out / 'report.md'}", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    from cookbook.bench import run_sft_bench

    run_sft_bench(args.overrides)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cookbook", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("ls", help="list domains, PEFT methods and model sources").set_defaults(fn=cmd_ls)
    for name, fn, help_ in (("train", cmd_train, "fine-tune a domain recipe"),
                            ("eval", cmd_eval, "base vs tuned on the held-out split"),
                            ("demo", cmd_demo, "start the domain's Gradio demo")):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("domain")
        sp.add_argument("--config", default="default" if name == "train" else None,
                        help="config name in domains/<d>/configs or a YAML path")
        if name != "train":
            sp.add_argument("--run", help="run directory")
        if name == "demo":
            sp.add_argument("--host", default="127.0.0.1")
            sp.add_argument("--port", type=int, default=7860)
        sp.add_argument("overrides", nargs="*", help="dotted overrides, e.g. train.max_steps=5")
        sp.set_defaults(fn=fn)
    sp = sub.add_parser("compare", help="train several methods at equal steps and compare them (ASR recipes)")
    sp.add_argument("domain")
    sp.add_argument("--methods", required=True, help="comma-separated, e.g. lora,adalora,bitfit,s2lora")
    sp.add_argument("--config", default="default")
    sp.add_argument("--output", help="comparison directory (default runs/<domain>/compare)")
    sp.add_argument("overrides", nargs="*")
    sp.set_defaults(fn=cmd_compare)
    sp = sub.add_parser("bench", help="our SFT vs a plain TRL SFTTrainer script -> reports/bench/sft.json")
    sp.add_argument("overrides", nargs="*")
    sp.set_defaults(fn=cmd_bench)
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
