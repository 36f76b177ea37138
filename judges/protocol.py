"""The judge protocol: pointwise rubric grades and pairwise comparisons asked in both orders.

Pairwise rule (as in MT-Bench's swap test): the verdicts of the two orders are mapped back to systems; if they
agree that is the verdict, otherwise the pair is a tie and is counted as a flip."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tqdm.auto import tqdm

from cookbook.recipe import JudgeAssets
from judges.client import JudgeClient
from judges.parse import parse_pairwise, parse_pointwise
from judges.prompts import pairwise_prompt, pointwise_prompt

POINTWISE_MAX_TOKENS = 160
PAIRWISE_MAX_TOKENS = 128


@dataclass
class Item:
    id: str
    question: str
    reference: str
    group: str = ""


async def _gather(coros: list, desc: str) -> list:
    """Run all, in order, with a progress bar. The first JudgeUnavailable stops the run; what finished is cached."""
    bar = tqdm(total=len(coros), desc=desc, unit="judgment")

    async def one(c):
        r = await c
        bar.update(1)
        return r

    try:
        return await asyncio.gather(*(one(c) for c in coros))
    finally:
        bar.close()


async def grade_pointwise(client: JudgeClient, assets: JudgeAssets, items: list[Item], answers: list[str],
                          desc: str = "pointwise", max_tokens: int = POINTWISE_MAX_TOKENS) -> list[dict]:
    """-> per answer {"id", "scores": {criterion: 1-5} | None, "explanation", "error", "raw"}. `assets`: the
    domain's (its recipe's `judge=`), which word the rubric and the few-shot sheet."""
    async def one(item: Item, answer: str) -> dict:
        r = await client.judge(pointwise_prompt(assets, item.question, item.reference, answer), parse_pointwise,
                               max_tokens)
        parsed = r["parsed"]
        return {"id": item.id, "group": item.group,
                "scores": {k: v for k, v in parsed.items() if k != "explanation"} if parsed else None,
                "explanation": parsed["explanation"] if parsed else "", "error": r["error"], "raw": r["raw"]}

    return await _gather([one(i, a) for i, a in zip(items, answers, strict=True)], desc)


def combine_orders(first: str | None, second: str | None) -> dict:
    """`first`: verdict with system X shown as A; `second`: with X shown as B (each "A"/"B"/"tie"/None).

    -> {"outcome": "x"|"y"|"tie"|None, "flip": bool}. None: a reply was unparseable, the pair is not counted."""
    if first is None or second is None:
        return {"outcome": None, "flip": False}
    as_x = {"A": "x", "B": "y", "tie": "tie"}[first]
    as_x2 = {"A": "y", "B": "x", "tie": "tie"}[second]
    if as_x == as_x2:
        return {"outcome": as_x, "flip": False}
    return {"outcome": "tie", "flip": True}


async def compare_pairwise(client: JudgeClient, assets: JudgeAssets, items: list[Item], x: list[str], y: list[str],
                           desc: str = "pairwise", max_tokens: int = PAIRWISE_MAX_TOKENS) -> list[dict]:
    """System x (e.g. tuned) vs y (base), both orders. -> per item {"outcome": "x"|"y"|"tie"|None, "flip",
    "verdict_x_first", "verdict_y_first", explanations, errors}."""
    async def one(item: Item, ax: str, ay: str) -> dict:
        r1, r2 = await asyncio.gather(
            client.judge(pairwise_prompt(assets, item.question, item.reference, ax, ay), parse_pairwise, max_tokens),
            client.judge(pairwise_prompt(assets, item.question, item.reference, ay, ax), parse_pairwise, max_tokens))
        v1 = r1["parsed"]["winner"] if r1["parsed"] else None
        v2 = r2["parsed"]["winner"] if r2["parsed"] else None
        return {"id": item.id, "group": item.group, **combine_orders(v1, v2),
                "verdict_x_first": v1, "verdict_y_first": v2,
                "explanations": [r["parsed"]["explanation"] if r["parsed"] else "" for r in (r1, r2)],
                "errors": [r["error"] for r in (r1, r2)]}

    return await _gather([one(i, a, b) for i, a, b in zip(items, x, y, strict=True)], desc)
