"""`make bench-judge`: judgments per minute against one local `transformers serve` (continuous batching on) at
concurrency 1 and at higher concurrencies, same items, no cache, in one run -> reports/bench/judge.json."""

from __future__ import annotations

import os
import platform
import time

import psutil

from cookbook.recipe import JudgeAssets
from judges.client import JudgeClient
from judges.protocol import Item, grade_pointwise
from judges.rubrics import pointwise_messages
from judges.server_state import ServerState

PROBE_TOKENS = 2


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


async def prefix_probe(state: ServerState, assets: JudgeAssets, answers: list[dict], repeats: int = 3) -> dict:
    """Does the server reuse the rubric's KV cache? The time of a 2-token reply to a pointwise prompt whose system
    turn it has never seen (a fresh subject) against the same prompt sent again with another candidate (its
    system turn, and question and reference, already computed). Without prefix sharing both cost a full prefill.
    Two tokens: a request that ends on its first token never registers its blocks (transformers 5.23
    continuous_api.py:564-566, cache.py:353), so a 1-token probe cannot see sharing (docs/judges.md)."""
    client = JudgeClient.for_server(state, concurrency=1, cache=None)
    fresh, shared = [], []
    a, b = answers[0], answers[1 % len(answers)]
    for k in range(repeats):
        subject = f"{assets.subject} (probe {k} {time.time_ns()})"
        for out, answer in ((fresh, a["tuned"]), (shared, b["tuned"])):
            messages = pointwise_messages(subject, a["question"], a["reference"], answer)
            t0 = time.perf_counter()
            await client._complete(messages, PROBE_TOKENS, None)
            out.append(time.perf_counter() - t0)
    await client.aclose()
    f, s = sorted(fresh)[len(fresh) // 2], sorted(shared)[len(shared) // 2]
    return {"fresh_prefix_s": round(f, 3), "shared_prefix_s": round(s, 3), "speedup": round(f / s, 2),
            "prefix_sharing_observed": f / s > 1.3,
            "note": f"median of 3; a {PROBE_TOKENS}-token reply, so the time is mostly the prompt's prefill"}


async def bench(state: ServerState, assets: JudgeAssets, answers: list[dict], levels: list[int],
                max_tokens: int) -> dict:
    items = [Item(a["id"], a["question"], a["reference"], a["group"]) for a in answers]
    texts = [a["tuned"] for a in answers]
    await _level(state, assets, items[:1], texts[:1], 1, max_tokens)  # warm-up: first request compiles/allocates
    probe = await prefix_probe(state, assets, answers) if state.prompt_style == "chat" else None
    rows = [await _level(state, assets, items, texts, c, max_tokens) for c in [1, *[c for c in levels if c != 1]]]
    seq = rows[0]["judgments_per_min"]
    best = max(rows[1:], key=lambda r: r["judgments_per_min"]) if len(rows) > 1 else rows[0]
    return {"throughput_ratio": round(best["judgments_per_min"] / seq, 3), "best_concurrency": best["concurrency"],
            "sequential_judgments_per_min": seq, "best_judgments_per_min": best["judgments_per_min"],
            "levels": rows, "n_items": len(items), "max_tokens": max_tokens, "prefix_probe": probe,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "judge": {k: getattr(state, k) for k in ("model_spec", "backend", "continuous_batching", "prompt_style",
                                                     "command")},
            "machine": {"cpus": psutil.cpu_count(), "platform": platform.platform()},
            "note": "Pointwise rubric judgments of the same tuned answers at every level; a fresh client and no cache "
                    "per level; all levels against the same server process."}
