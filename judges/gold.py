"""Loader for a domain's hand-labelled calibration set (the file its JudgeAssets.gold_file names). Each row:
{id, group, question, reference, answer, category, scores: {criterion: 1-5}, note?}; `group` is one of the
domain's JudgeAssets.groups when it lists any."""

from __future__ import annotations

from pathlib import Path

from cookbook.data import load_jsonl
from judges.rubrics import CRITERION_NAMES

GOLD_SCHEMA = {"id": str, "group": str, "question": str, "reference": str, "answer": str, "category": str,
               "scores": dict}
CATEGORIES = ["good", "partial", "wrong", "off_topic"]


def _check_gold(row: dict, groups: list[str]):
    if groups and row["group"] not in groups:
        return "group", f"'{row['group']}' is not one of the domain's groups ({', '.join(groups)})"
    if row["category"] not in CATEGORIES:
        return "category", f"'{row['category']}' is not one of {', '.join(CATEGORIES)}"
    for name in CRITERION_NAMES:
        value = row["scores"].get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            return f"scores.{name}", f"expected an integer 1-5, got {value!r}"
    extra = set(row["scores"]) - set(CRITERION_NAMES)
    if extra:
        return "scores", f"unknown criteria {sorted(extra)}"
    if "note" in row and not isinstance(row["note"], str):
        return "note", f"expected str, got {type(row['note']).__name__}"
    return None


def load_gold(path: str | Path, groups: list[str] | None = None) -> list[dict]:
    return load_jsonl(path, GOLD_SCHEMA, check=lambda row: _check_gold(row, groups or []))
