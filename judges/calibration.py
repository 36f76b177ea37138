"""`make judge-calibrate`: how far each judge agrees with a domain's gold labels, and how it behaves on pairs and
attacks, measured the same way for every judge, into one table.

Per judge, on its own server: the gold rows graded pointwise (exact / within-one agreement, Spearman, quadratic
kappa, pooled over criteria, with bootstrap 95% intervals over gold rows, and per gold category); the swap test on
a run's tuned-vs-base pairs (swap-flip rate, position-A rate) when a run is given; the injection shift per attack
kind. Results are merged into one JSON file (one judge can be re-measured without the others), with a markdown
table and a plot beside it; `default` names the judge with the highest kappa. Judgments are cached, so a killed
run resumes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import signal
import time
from pathlib import Path

import numpy as np

from cookbook.recipe import JudgeAssets
from cookbook.runs import read_json, write_json
from judges import run as jr
from judges import server, server_state, stats
from judges.cache import JudgmentCache
from judges.client import JudgeClient
from judges.rubrics import CRITERION_NAMES

BOOTSTRAP_SAMPLES = 1000


def bootstrap(gold: list[dict], results: list[dict], seed: int = 0) -> dict:
    """95% percentile intervals of the pooled statistics, resampling gold rows (a row's three criteria together)."""
    ok = [(g, r) for g, r in zip(gold, results, strict=True) if r["scores"] is not None]
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {"exact": [], "within_one": [], "spearman": [], "kappa_quadratic": []}
    for _ in range(BOOTSTRAP_SAMPLES if ok else 0):
        idx = rng.integers(0, len(ok), len(ok))
        sample = [ok[i] for i in idx]
        a = stats.agreement([r["scores"][c] for _, r in sample for c in CRITERION_NAMES],
                            [g["scores"][c] for g, _ in sample for c in CRITERION_NAMES])
        for k in draws:
            if a[k] is not None:
                draws[k].append(a[k])
    return {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] if v else None
            for k, v in draws.items()}


async def measure(client: JudgeClient, assets: JudgeAssets, gold: list[dict], answers: list[dict] | None,
                  injections: list[dict] | None, max_tokens: int | None) -> dict:
    t0 = time.time()
    cal, results = await jr.calibrate(client, assets, gold, max_tokens)
    row = {"n_gold": cal["n_gold"], "unparsed": cal["unparsed"], **cal["pooled"],
           "ci": bootstrap(gold, results), "per_criterion": cal["per_criterion"], "by_category": cal["by_category"]}
    row["kappa"], row["kappa_ci"] = row.pop("kappa_quadratic"), row["ci"]["kappa_quadratic"]
    row["spearman_ci"] = row["ci"]["spearman"]
    if answers:
        section, _ = await jr.judged_pairs(client, assets, answers, max_tokens)
        row["pairs"] = section
        row["swap_flip_rate"] = section["swap"]["flip_rate"]
        row["position_a_rate"] = section["position"]["position_a_win_rate"]
    if injections:
        inj, _ = await jr.injection_shift(client, assets, injections, max_tokens)
        row["injection_shift"] = inj["shift"]["mean"]
        row["injection_shift_by_attack"] = {k: v["mean"] for k, v in inj["shift_by_attack"].items()}
    row["seconds"] = round(time.time() - t0, 1)
    return row


@contextlib.contextmanager
def dedicated_server(spec: str, state_dir: Path):
    """A server of its own for `spec` (its own state file), so a judge server the user runs is left alone. SIGTERM
    stops it too (Python's default SIGTERM exit runs no `finally`)."""
    def on_term(signum, frame):
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, on_term)
    with server_state.private_state(state_dir):
        state = server.start(spec, log_path=state_dir / "server.log")
        try:
            yield state
        finally:
            server.stop()
            signal.signal(signal.SIGTERM, previous)


def calibrate_judge(name: str, spec: str, assets: JudgeAssets, gold, answers, injections, work_dir: Path,
                    concurrency: int, max_tokens: int | None) -> dict:
    work_dir.mkdir(parents=True, exist_ok=True)
    with dedicated_server(spec, work_dir / name.replace("/", "_")) as state:
        client = JudgeClient.for_server(state, concurrency=concurrency,
                                        cache=JudgmentCache(work_dir / "cache.sqlite"))

        async def go() -> dict:
            try:
                return await measure(client, assets, gold, answers, injections, max_tokens)
            finally:
                await client.aclose()

        row = asyncio.run(go())
    row.update(spec=spec, backend=state.backend, prompt_style=state.prompt_style, requests=client.n_requests,
               cache_hits=client.n_cache_hits, measured=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               load_average=[round(x, 2) for x in os.getloadavg()], machine=f"{platform.machine()} "
               f"{os.cpu_count()} cores")
    return row


def best_judge(judges: dict) -> str | None:
    scored = {n: j["kappa"] for n, j in judges.items() if j.get("kappa") is not None}
    return max(scored, key=scored.get) if scored else None


def merge_into(path: Path, domain: str, gold_file: str, name: str, row: dict) -> dict:
    table = read_json(path) if path.is_file() else {}
    if table.get("domain") not in (None, domain) or table.get("gold_file") not in (None, gold_file):
        table = {}  # another domain's or another gold file's table: start a new one
    table.update(domain=domain, gold_file=gold_file)
    table.setdefault("judges", {})[name] = row
    table["default"] = best_judge(table["judges"])
    write_json(path, table)
    return table
