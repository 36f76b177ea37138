"""`python -m judges.cli judge|calibrate|injection|report|server-start|server-stop|bench ...`

Every judging command uses the running judge server (its state file: judges/server_state.py) or starts one for its own
duration. Judgments are cached in RUN/judge/cache.sqlite: a re-run is free and a killed run resumes."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from cookbook.errors import ConfigError, CookbookError
from cookbook.runs import finished_run, write_json
from judges import server, server_state
from judges.cache import JudgmentCache
from judges.client import JudgeClient, JudgeUnavailable
from judges.report import build_report, save_section

REPO = Path(__file__).resolve().parent.parent


def _judge_assets(domain: str):
    from cookbook.discovery import get_recipe

    recipe = get_recipe(domain)
    if recipe.judge is None:
        raise ConfigError(f"domain '{domain}' supplies no judge assets (its recipe has no `judge=`)")
    return recipe.judge


def _domain_file(given: str | None, default: Path | None) -> Path | None:
    """--gold / --injections if given, else the domain's own file (None: the domain has none)."""
    return Path(given) if given else (Path(default) if default else None)


def _usable(jobs: list[str], job: str, path: Path | None, what: str, flag: str) -> list[str]:
    """Drop `job` (saying why) when its input is missing, unless it is the only job asked for: then stop."""
    if job not in jobs or (path is not None and path.is_file()):
        return jobs
    if jobs == [job]:
        if path is None:
            raise ConfigError(f"the domain supplies no {what}; pass one with {flag}")
        raise ConfigError(f"{path}:0: -: file not found ({what})")
    print(f"[judge] {path or f'no {what} in the domain'}{' not found' if path else ''}: {job} skipped",
          file=sys.stderr)
    return [j for j in jobs if j != job]


def _judge_info(state: server_state.ServerState, client: JudgeClient) -> dict:
    return {"model_spec": state.model_spec, "model": state.model, "backend": state.backend,
            "structured_output": client.structured_output, "prompt_style": client.prompt_style,
            "temperature": 0.0}


def _client(state: server_state.ServerState, run_dir: Path, concurrency: int) -> JudgeClient:
    return JudgeClient.for_server(state, concurrency=concurrency,
                                  cache=JudgmentCache(run_dir / "judge" / "cache.sqlite"))


def _run_jobs(args, jobs: list[str]) -> int:
    from judges import run as jr

    run_dir = Path(args.run)
    jr.check_run(run_dir, args.domain)
    judge_dir = run_dir / "judge"
    assets = _judge_assets(args.domain)
    gold_path = _domain_file(getattr(args, "gold", None), assets.gold_file)
    inj_path = _domain_file(getattr(args, "injections", None), assets.injection_file)
    jobs = _usable(jobs, "calibration", gold_path, "the calibration gold labels", "--gold")
    jobs = _usable(jobs, "injection", inj_path, "the injection corpus", "--injections")
    # Validate inputs before starting a server.
    answers = jr.stratified(jr.load_answers(args.domain, run_dir), args.limit, "group") if "judged_eval" in jobs \
        else None
    from judges.gold import load_gold
    from judges.injection import load_injections

    gold = jr.stratified(load_gold(gold_path, assets.groups), args.limit, "group") if "calibration" in jobs \
        else None
    inj = jr.stratified(load_injections(inj_path, assets.groups), args.limit, "group") if "injection" in jobs \
        else None

    async def go(state: server_state.ServerState) -> None:
        client = _client(state, run_dir, args.concurrency)
        try:
            for job in jobs:
                if job == "judged_eval":
                    section, raw = await jr.judged_eval(client, assets, answers, args.max_tokens)
                elif job == "calibration":
                    section, raw = await jr.calibrate(client, assets, gold, args.max_tokens)
                else:
                    section, raw = await jr.injection_shift(client, assets, inj, args.max_tokens)
                section["limit"], section["max_tokens"] = args.limit, args.max_tokens
                save_section(judge_dir, job, section, _judge_info(state, client))
                write_json(judge_dir / f"{job}.judgments.json", {"judgments": raw})
        finally:
            print(f"[judge] {client.n_requests} requests, {client.n_cache_hits} cache hits "
                  f"({len(client.cache)} judgments cached in {client.cache.path})", file=sys.stderr)
            await client.aclose()

    with server.ensure_server(continuous_batching=True) as state:
        try:
            asyncio.run(go(state))
        except JudgeUnavailable as exc:
            raise CookbookError(f"{exc}; finished judgments are cached, re-run the same command to resume") from None
    report = build_report(judge_dir)
    print(f"[judge] wrote {judge_dir / 'report.json'} and report.md", file=sys.stderr)
    _summary(report)
    return 0


def _summary(report: dict) -> None:
    if j := report.get("judged_eval"):
        pw = j["pairwise"]
        print(f"[judge] tuned mean {j['pointwise']['tuned']['overall']['mean']} vs base "
              f"{j['pointwise']['base']['overall']['mean']}; win/tie/loss {pw['win_tie_loss']['win']}/"
              f"{pw['win_tie_loss']['tie']}/{pw['win_tie_loss']['loss']}; flip rate {pw['swap']['flip_rate']}; "
              f"position-A {pw['position']['position_a_win_rate']}; LC win rate "
              f"{pw['length_controlled']['lc_win_rate']}", file=sys.stderr)
    if c := report.get("calibration"):
        p = c["pooled"]
        print(f"[judge] calibration (pooled, n={p['n']}): exact {p['exact']}, within-one {p['within_one']}, "
              f"spearman {p['spearman']}, kappa {p['kappa_quadratic']}", file=sys.stderr)
    if i := report.get("injection"):
        print(f"[judge] injection mean shift {i['shift']['mean']} (n={i['shift']['n']}); detector recall "
              f"{i['detector']['recall']}, false positives {i['detector']['false_positive_rate']}", file=sys.stderr)


def cmd_server_start(args) -> int:
    if state := server.running():
        print(f"[judge] already running: {state.url} ({state.backend}, pid {state.pid})", file=sys.stderr)
        return 0
    loras = dict(item.split("=", 1) for item in args.lora or [])
    if args.run:
        adapter, _ = finished_run(Path(args.run))
        loras.setdefault(Path(args.run).name, str(adapter))
    state = server.start(args.model, args.port, loras, backend=args.backend,
                         continuous_batching=not args.no_continuous_batching, prompt_style=args.prompt_style)
    print(f"[judge] {state.backend} serving {state.model_spec} at {state.url} (pid {state.pid}); "
          f"state in {server_state.state_path()}", file=sys.stderr)
    return 0


DEFAULT_JUDGES = ("gemma-3-270m", "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-1.5b-instruct")


def _judge_specs(given: str | None) -> dict[str, str]:
    """{table name: spec}. A judge adapter run is named after its base model."""
    from cookbook.discovery import load_domains
    from cookbook.runs import latest_finished_run
    from judges.judge_models import is_adapter_run, judge_model

    specs = [x.strip() for x in given.split(",") if x.strip()] if given else list(DEFAULT_JUDGES)
    domains = load_domains()
    adapter_domains = [n for n in domains.names() if domains.get(n).trains_judges] if not given else []
    for domain in adapter_domains:  # recipes whose runs are judge adapters: the newest finished run of each
        if (latest := latest_finished_run(REPO / "runs", domain)) is not None:
            specs.insert(2, str(Path(latest).relative_to(REPO)) if Path(latest).is_relative_to(REPO) else str(latest))
    out = {}
    for spec in specs:
        name = f"{judge_model(spec).base_spec} + judge adapter" if is_adapter_run(spec) else spec
        out[name] = spec
    return out


def cmd_calibrate(args) -> int:
    from judges import run as jr
    from judges.calibration import calibrate_judge, merge_into
    from judges.calibration_report import plot, table_md
    from judges.gold import load_gold
    from judges.injection import load_injections

    assets = _judge_assets(args.domain)
    gold_path = _domain_file(args.gold, assets.gold_file)
    if gold_path is None or not gold_path.is_file():
        raise ConfigError(f"{gold_path or 'the domain'}:0: -: no gold labels (pass --gold / GOLD=path.jsonl)")
    gold = jr.stratified(load_gold(gold_path, assets.groups), args.limit, "group")
    inj_path = _domain_file(args.injections, assets.injection_file)
    injections = load_injections(inj_path, assets.groups) if inj_path and inj_path.is_file() and args.attacks != 0 \
        else None
    if injections and args.attacks:
        injections = jr.stratified(injections, args.attacks, "group")
    answers = None
    if args.run is None and args.pairs:
        from cookbook.runs import latest_finished_run

        args.run = latest_finished_run(REPO / "runs", args.domain)
        print(f"[judge] pairs from {args.run or f'no finished {args.domain} run: swap test skipped'}",
              file=sys.stderr)
    if args.run and args.pairs:
        answers = jr.stratified(jr.load_answers(args.domain, Path(args.run)), args.pairs, "group")
    out = Path(args.out)
    gold_name = str(gold_path.resolve().relative_to(REPO)) if gold_path.resolve().is_relative_to(REPO) \
        else str(gold_path)
    table = {}
    for name, spec in _judge_specs(args.judges).items():
        print(f"[judge] calibrating {name} ({spec}) on {len(gold)} gold rows"
              f"{f', {len(answers)} pairs' if answers else ''}{f', {len(injections)} attacks' if injections else ''}",
              file=sys.stderr)
        row = calibrate_judge(name, spec, assets, gold, answers, injections, REPO / "runs" / "judge-calibration",
                              args.concurrency, args.max_tokens)
        row["limit"], row["pairs_run"] = args.limit, args.run
        table = merge_into(out, args.domain, gold_name, name, row)
        out.with_suffix(".md").write_text(table_md(table), encoding="utf-8")
        plot(table, out.with_suffix(".png"))
        print(f"[judge] {name}: kappa {row['kappa']} {row['kappa_ci']}, spearman {row['spearman']}, exact "
              f"{row['exact']}, flip {row.get('swap_flip_rate')}, position-A {row.get('position_a_rate')}, "
              f"injection {row.get('injection_shift')} ({row['seconds']:.0f} s)", file=sys.stderr)
    print(table_md(table))
    print(f"[judge] wrote {out}, {out.with_suffix('.md')} and {out.with_suffix('.png')}", file=sys.stderr)
    return 0


def cmd_server_stop(args) -> int:
    print("[judge] stopped" if server.stop() else "[judge] no judge server state file", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    from judges import run as jr
    from judges.bench import bench

    assets = _judge_assets(args.domain)
    if args.run:
        answers = jr.load_answers(args.domain, Path(args.run))
    else:  # no run: grade the domain's reference answers themselves
        from cookbook.discovery import get_recipe

        recipe = get_recipe(args.domain)
        cfg = recipe.load_config("default")
        answers = [{"id": e.id, "group": e.group, "question": e.prompt, "reference": e.reference,
                    "tuned": e.reference} for e in recipe.load_examples(cfg.data, recipe.test_splits[0])]
    answers = jr.stratified(answers, args.items, "group")
    levels = [int(x) for x in args.levels.split(",")]
    with server.ensure_server(continuous_batching=True) as state:
        result = asyncio.run(bench(state, assets, answers, levels, args.max_tokens))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, result)
    print(f"[judge] throughput ratio {result['throughput_ratio']} (best c={result['best_concurrency']}: "
          f"{result['best_judgments_per_min']} vs {result['sequential_judgments_per_min']} judgments/min) -> {out}",
          file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m judges.cli", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, jobs, hlp in (("judge", ["judged_eval", "calibration", "injection"], "judged eval + calibration + "
                             "injection, then the report"),
                            ("injection", ["injection"], "score shift caused by steering text")):
        s = sub.add_parser(name, help=hlp)
        s.add_argument("--domain", required=True, help="the domain whose recipe supplies the judge assets (DOMAIN=...)")
        s.add_argument("--run", required=True, help="run directory (RUN=...)")
        s.add_argument("--limit", type=int, default=None,
                       help="judge only this many questions / gold rows / attacks (spread over the domain's groups)")
        s.add_argument("--max-tokens", type=int, default=None, help="judge reply budget (default 160 / 128)")
        s.add_argument("--concurrency", type=int, default=8)
        s.add_argument("--gold", default=None, help="gold labels (default: the domain's JudgeAssets.gold_file)")
        s.add_argument("--injections", default=None,
                       help="injection corpus (default: the domain's JudgeAssets.injection_file)")
        s.set_defaults(func=lambda a, jobs=jobs: _run_jobs(a, jobs))
    s = sub.add_parser("calibrate", help="every judge against the gold labels, pairs and attacks -> one table")
    s.add_argument("--domain", required=True, help="the domain whose recipe supplies the judge assets (DOMAIN=...)")
    s.add_argument("--judges", default=None,
                   help="comma-separated judge specs (sources, folders, hub ids, judge adapter runs); default: "
                        + ", ".join(DEFAULT_JUDGES) + " and the latest finished judge adapter run")
    s.add_argument("--run", default=None, help="a finished run of the domain: its tuned-vs-base pairs give the "
                   "swap-flip and position-A rates (skipped without one)")
    s.add_argument("--gold", default=None, help="gold labels (default: the domain's JudgeAssets.gold_file)")
    s.add_argument("--injections", default=None,
                   help="injection corpus (default: the domain's JudgeAssets.injection_file)")
    s.add_argument("--limit", type=int, default=None, help="only this many gold rows (spread over groups)")
    s.add_argument("--pairs", type=int, default=40, help="tuned-vs-base pairs of --run to judge (0: none)")
    s.add_argument("--attacks", type=int, default=None, help="attacks of the injection corpus to use (0: none; "
                   "default: all)")
    s.add_argument("--max-tokens", type=int, default=None, help="judge reply budget (default 160 / 128)")
    s.add_argument("--concurrency", type=int, default=8)
    s.add_argument("--out", default=str(REPO / "docs" / "judge_calibration.json"))
    s.set_defaults(func=cmd_calibrate)
    s = sub.add_parser("report", help="rebuild RUN/judge/report.* from the saved sections")
    s.add_argument("--run", required=True)
    s.set_defaults(func=lambda a: (build_report(Path(a.run) / "judge"), 0)[1])
    s = sub.add_parser("server-start")
    s.add_argument("--model", default=None,
                   help="judge model or judge adapter run (default $JUDGE_MODEL, else the calibrated default of "
                        "docs/judge_calibration.json, else qwen2.5-coder-0.5b-instruct)")
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--backend", choices=["auto", "vllm", "transformers"], default="auto")
    s.add_argument("--lora", action="append", help="name=adapter_dir (vLLM only), repeatable")
    s.add_argument("--run", default=None, help="serve this run's adapter too (vLLM only)")
    s.add_argument("--no-continuous-batching", action="store_true")
    s.add_argument("--prompt-style", choices=["auto", "chat", "completion"], default="auto",
                   help="auto: few-shot completion prompts for known base models, chat otherwise")
    s.set_defaults(func=cmd_server_start)
    sub.add_parser("server-stop").set_defaults(func=cmd_server_stop)
    s = sub.add_parser("bench", help="judgments/min at concurrency 1 vs N -> reports/bench/judge.json")
    s.add_argument("--domain", required=True, help="the domain whose answers and judge assets to use (DOMAIN=...)")
    s.add_argument("--run", default=None, help="grade this run's tuned answers (default: the reference answers)")
    s.add_argument("--items", type=int, default=16)
    s.add_argument("--levels", default="1,8")
    s.add_argument("--max-tokens", type=int, default=96)
    s.add_argument("--out", default="reports/bench/judge.json")
    s.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CookbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
