"""`make bench-judge`: judgments per minute against one local `transformers serve` (continuous batching on) at
concurrency 1 and at higher concurrencies, same items, no cache, in one run -> reports/bench/judge.json."""

from __future__ import annotations

import platform
import time

import psutil

from cookbook.recipe import JudgeAssets
from judges.client import JudgeClient
from judges.protocol import Item, grade_pointwise
from judges.server_state import ServerState


async def _level(state: ServerState, assets: JudgeAssets, items: list[Item], answers: list[str], concurrency: int,
                 max_tokens: int) -> dict:
    client = JudgeClient.for_server(state, concurrency=concurrency, cache=None)
    t0 = time.perf_counter()
    results = await grade_pointwise(client, assets, items, answers, desc=f"bench c={concurrency}",
                                    max_tokens=max_tokens)
    dt = time.perf_counter() - t0
    await client.aclose()
    return {"concurrency": concurrency, "judgments": len(results), "requests": client.n_requests,
            "seconds": round(dt, 2), "judgments_per_min": round(60 * len(results) / dt, 2),
            "unparseable": sum(r["scores"] is None for r in results)}


async def bench(state: ServerState, assets: JudgeAssets, answers: list[dict], levels: list[int],
                max_tokens: int) -> dict:
    items = [Item(a["id"], a["question"], a["reference"], a["group"]) for a in answers]
    texts = [a["tuned"] for a in answers]
    await _level(state, assets, items[:1], texts[:1], 1, max_tokens)  # warm-up: first request compiles/allocates
    rows = [await _level(state, assets, items, texts, c, max_tokens) for c in [1, *[c for c in levels if c != 1]]]
    seq = rows[0]["judgments_per_min"]
    best = max(rows[1:], key=lambda r: r["judgments_per_min"]) if len(rows) > 1 else rows[0]
    return {"throughput_ratio": round(best["judgments_per_min"] / seq, 3), "best_concurrency": best["concurrency"],
            "sequential_judgments_per_min": seq, "best_judgments_per_min": best["judgments_per_min"],
            "levels": rows, "n_items": len(items), "max_tokens": max_tokens,
            "judge": {k: getattr(state, k) for k in ("model_spec", "backend", "continuous_batching", "prompt_style",
                                                     "command")},
            "machine": {"cpus": psutil.cpu_count(), "platform": platform.platform()},
            "note": "Pointwise rubric judgments of the same tuned answers at every level; a fresh client and no cache "
                    "per level; all levels against the same server process."}
