"""The three judge jobs over one client: the judged eval of a run (pointwise base & tuned, pairwise tuned vs base
in both orders), calibration against gold labels, and the injection shift. Each returns a report section."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from cookbook.errors import CookbookError
from cookbook.recipe import JudgeAssets
from cookbook.runs import finished_run, read_json
from judges import stats
from judges.client import JudgeClient
from judges.injection import detect, score_shift
from judges.protocol import Item, compare_pairwise, grade_pointwise
from judges.rubrics import CRITERION_NAMES


def n_words(text: str) -> int:
    return len(text.split())


def stratified(rows: list[dict], limit: int | None, group_key: str) -> list[dict]:
    """The first `limit` rows taking one per group in turn, so a subset still spans every group."""
    if not limit or limit >= len(rows):
        return rows
    rank: dict[str, int] = defaultdict(int)
    keyed = []
    for i, r in enumerate(rows):
        keyed.append((rank[r[group_key]], i, r))
        rank[r[group_key]] += 1
    return [r for _, _, r in sorted(keyed, key=lambda t: t[:2])[:limit]]


def check_run(run_dir: Path, domain: str) -> dict:
    """The metrics of a finished run (cookbook.runs.finished_run) of `domain`; a one-line error otherwise."""
    _, metrics = finished_run(run_dir)
    if metrics.get("domain") and metrics["domain"] != domain:
        raise CookbookError(f"{run_dir}: a run of domain '{metrics['domain']}', not '{domain}' (DOMAIN=...)")
    return metrics


ANSWER_KEYS = {"id", "group", "question", "reference", "base", "tuned"}  # what a judge grades, per answer


def load_answers(domain: str, run_dir: Path) -> list[dict]:
    """Base and tuned answers on the held-out split, [{id, group, question, reference, base, tuned}]: reused from
    RUN/eval/report.json when `make eval` wrote them, else generated now by the domain's task kind (its `answers`
    hook, with the run's eval decoding settings). `run_dir` must be a finished run of `domain`."""
    check_run(run_dir, domain)
    report = read_json(run_dir / "eval" / "report.json")
    answers = report.get("answers") or []
    if answers and all(ANSWER_KEYS <= set(a) for a in answers):
        return answers
    from cookbook.discovery import get_recipe
    from cookbook.runs import load_run_config
    from cookbook.tasks import get_task

    recipe = get_recipe(domain)
    cfg = load_run_config(run_dir)
    task = get_task(recipe.task)
    if task.answers is None:
        raise CookbookError(f"domain '{domain}': its {task.name} task kind produces no answers a judge can grade")
    print(f"[judge] {run_dir}/eval/report.json has no answers with {', '.join(sorted(ANSWER_KEYS))}: generating "
          "base and tuned answers", file=sys.stderr)
    return task.answers(cfg, recipe, run_dir)


def _by_group(results: list[dict]) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        groups[r["group"]].append(r)
    return {g: stats.mean_scores(rs, CRITERION_NAMES) for g, rs in sorted(groups.items())}


async def judged_pairs(client: JudgeClient, assets: JudgeAssets, answers: list[dict],
                       max_tokens: int | None = None) -> tuple[dict, list[dict]]:
    """Tuned (x) vs base (y) in both orders -> (pairwise section, raw pairs)."""
    items = [Item(a["id"], a["question"], a["reference"], a["group"]) for a in answers]
    tuned, base = [a["tuned"] for a in answers], [a["base"] for a in answers]
    pk = {"max_tokens": max_tokens} if max_tokens else {}
    pairs = await compare_pairwise(client, assets, items, tuned, base, desc="pairwise tuned vs base", **pk)
    len_t, len_b = [n_words(t) for t in tuned], [n_words(b) for b in base]
    singles = [p["verdict_x_first"] for p in pairs] + [p["verdict_y_first"] for p in pairs]
    section = {"systems": {"x": "tuned", "y": "base"},
               "win_tie_loss": stats.win_tie_loss([p["outcome"] for p in pairs]),
               "swap": stats.flip_rate(pairs), "position": stats.position_bias(singles),
               "length_controlled": stats.length_controlled_win_rate([p["outcome"] for p in pairs], len_t, len_b),
               "longer_wins": _longer_wins(pairs, len_t, len_b)}
    return section, pairs


async def judged_eval(client: JudgeClient, assets: JudgeAssets, answers: list[dict],
                      max_tokens: int | None = None) -> tuple[dict, dict]:
    """-> (report section, raw judgments). Pairwise: x = tuned, y = base."""
    items = [Item(a["id"], a["question"], a["reference"], a["group"]) for a in answers]
    tuned, base = [a["tuned"] for a in answers], [a["base"] for a in answers]
    pk = {"max_tokens": max_tokens} if max_tokens else {}
    point = {"base": await grade_pointwise(client, assets, items, base, desc="pointwise base", **pk),
             "tuned": await grade_pointwise(client, assets, items, tuned, desc="pointwise tuned", **pk)}
    pairwise, pairs = await judged_pairs(client, assets, answers, max_tokens)
    section = {
        "n_questions": len(items),
        "group_label": assets.group_label,
        "pointwise": {s: {"overall": stats.mean_scores(point[s], CRITERION_NAMES), "by_group": _by_group(point[s])}
                      for s in ("base", "tuned")},
        "pairwise": pairwise,
        "lengths_words": {"tuned": [n_words(t) for t in tuned], "base": [n_words(b) for b in base]},
        "suspicious_candidates": [{"id": a["id"], "system": s, "flags": f} for a in answers
                                  for s in ("base", "tuned") if (f := detect(a[s]))],
    }
    return section, {"pointwise": point, "pairwise": pairs}


def _longer_wins(pairs: list[dict], len_x: list[int], len_y: list[int]) -> dict:
    """Among decisive pairs with different lengths, how often the longer answer won (MT-Bench's verbosity check)."""
    decisive = [(p["outcome"], lx, ly) for p, lx, ly in zip(pairs, len_x, len_y, strict=True)
                if p["outcome"] in ("x", "y") and lx != ly]
    longer = sum((o == "x") == (lx > ly) for o, lx, ly in decisive)
    return {"n": len(decisive), "longer_won": longer, "rate": longer / len(decisive) if decisive else None}


async def calibrate(client: JudgeClient, assets: JudgeAssets, gold: list[dict],
                    max_tokens: int | None = None) -> tuple[dict, list[dict]]:
    items = [Item(g["id"], g["question"], g["reference"], g["group"]) for g in gold]
    pk = {"max_tokens": max_tokens} if max_tokens else {}
    results = await grade_pointwise(client, assets, items, [g["answer"] for g in gold], desc="calibration", **pk)
    ok = [(g, r) for g, r in zip(gold, results, strict=True) if r["scores"] is not None]
    per_criterion = {c: stats.agreement([r["scores"][c] for _, r in ok], [g["scores"][c] for g, _ in ok])
                     for c in CRITERION_NAMES}
    pooled = stats.agreement([r["scores"][c] for _, r in ok for c in CRITERION_NAMES],
                             [g["scores"][c] for g, _ in ok for c in CRITERION_NAMES])
    by_cat: dict[str, list] = defaultdict(list)
    for g, r in ok:
        by_cat[g["category"]].append((sum(g["scores"].values()) / 3, sum(r["scores"].values()) / 3))
    categories = {c: {"n": len(v), "gold_mean": sum(x for x, _ in v) / len(v), "judge_mean": sum(y for _, y in v)
                      / len(v)} for c, v in sorted(by_cat.items())}
    section = {"n_gold": len(gold), "n_parsed": len(ok), "unparsed": len(gold) - len(ok),
               "per_criterion": per_criterion, "pooled": pooled, "by_category": categories}
    return section, results


async def injection_shift(client: JudgeClient, assets: JudgeAssets, rows: list[dict],
                          max_tokens: int | None = None) -> tuple[dict, dict]:
    items = [Item(r["id"], r["question"], r["reference"], r["group"]) for r in rows]
    pk = {"max_tokens": max_tokens} if max_tokens else {}
    clean = await grade_pointwise(client, assets, items, [r["clean_answer"] for r in rows], desc="injection clean",
                                  **pk)
    attacked = await grade_pointwise(client, assets, items, [r["attacked_answer"] for r in rows],
                                     desc="injection attacked", **pk)
    by_attack: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_attack[r["attack"]].append(i)
    flagged_attacked = [bool(detect(r["attacked_answer"])) for r in rows]
    flagged_clean = [bool(detect(r["clean_answer"])) for r in rows]
    section = {
        "n": len(rows),
        "shift": score_shift([c["scores"] for c in clean], [a["scores"] for a in attacked], CRITERION_NAMES),
        "shift_by_attack": {k: score_shift([clean[i]["scores"] for i in ix], [attacked[i]["scores"] for i in ix],
                                           CRITERION_NAMES) for k, ix in sorted(by_attack.items())},
        "detector": {"attacked_flagged": sum(flagged_attacked), "clean_flagged": sum(flagged_clean),
                     "recall": sum(flagged_attacked) / len(rows) if rows else None,
                     "false_positive_rate": sum(flagged_clean) / len(rows) if rows else None,
                     "missed_ids": [r["id"] for r, f in zip(rows, flagged_attacked, strict=True) if not f]},
    }
    return section, {"clean": clean, "attacked": attacked}
