"""How well a judge adapter reproduces the synthesised verdicts of held-out questions: the share of replies that
parse, per-criterion exact and within-one agreement on pointwise rows, and the winner accuracy on pairwise rows.
(Agreement with people is measured by `make judge-calibrate` on a domain's gold set, not here.)"""

from __future__ import annotations

from collections import defaultdict

from judges.parse import ParseError, parse_pairwise, parse_pointwise
from judges.rubrics import CRITERION_NAMES


def _one(prediction: str, example) -> dict:
    pairwise = example.group == "pairwise"
    want = parse_pairwise(example.reference) if pairwise else parse_pointwise(example.reference)
    row = {"id": example.id, "group": example.group, "parsed": 0.0}
    try:
        got = parse_pairwise(prediction) if pairwise else parse_pointwise(prediction)
    except ParseError as exc:
        row["error"] = str(exc)
        return row
    row["parsed"] = 1.0
    if pairwise:
        row["winner_right"] = float(got["winner"] == want["winner"])
    else:
        diffs = [abs(got[c] - want[c]) for c in CRITERION_NAMES]
        row["exact"] = sum(d == 0 for d in diffs) / len(diffs)
        row["within_one"] = sum(d <= 1 for d in diffs) / len(diffs)
    return row


def _summary(rows: list[dict]) -> dict:
    def mean(key):
        vals = [r[key] for r in rows if key in r]
        return sum(vals) / len(vals) if vals else 0.0

    return {"score_exact": mean("exact"), "score_within_one": mean("within_one"), "winner_accuracy":
            mean("winner_right"), "parsed": mean("parsed"), "n": len(rows)}


def score(predictions: list[str], examples) -> dict:
    per = [_one(p, e) for p, e in zip(predictions, examples, strict=True)]
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in per:
        groups[r["group"]].append(r)
    return {"overall": _summary(per), "by_group": {g: _summary(rs) for g, rs in sorted(groups.items())},
            "per_example": per}
