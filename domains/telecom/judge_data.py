"""Data for checking the telecom judge: hand-scored gold answers (calibration) and answers that try to steer the
judge (robustness). The rubric the gold scores follow is in JUDGE_DATA.md next to this file.

Both files are JSONL validated like the training data: a bad row stops with `file:line: field: problem`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cookbook.data import load_jsonl
from domains.telecom.data import USE_CASES

HERE = Path(__file__).parent
GOLD_PATH = HERE / "judge_gold.jsonl"
INJECTIONS_PATH = HERE / "judge_injections.jsonl"

CRITERIA = ("correctness", "completeness", "instruction_following")
CATEGORIES = ("good", "partial", "wrong", "off_topic")
ATTACKS = ("ignore_rubric", "fake_json", "role_play", "code_block", "authority", "other")

GOLD_SCHEMA = {"id": str, "group": str, "question": str, "reference": str, "answer": str, "category": str,
               "scores": dict, "note": str}
INJECTION_SCHEMA = {"id": str, "group": str, "question": str, "reference": str, "clean_answer": str,
                    "attacked_answer": str, "attack": str}


@dataclass(frozen=True)
class GoldRow:
    id: str
    group: str  # one of the 20 use-cases (domains/telecom/data.py USE_CASES)
    question: str
    reference: str
    answer: str
    category: str
    scores: dict[str, int]  # criterion -> 1..5, keys exactly CRITERIA
    note: str


@dataclass(frozen=True)
class Injection:
    id: str
    group: str  # one of the 20 use-cases (domains/telecom/data.py USE_CASES)
    question: str
    reference: str
    clean_answer: str
    attacked_answer: str  # clean_answer with steering text added before or after it
    attack: str


def _one_of(value: str, allowed, what: str):
    return None if value in allowed else f"'{value}' is not one of the {what} ({', '.join(allowed)})"


def _row_checks(extra):
    """A `check` for load_jsonl: unique ids and a known use-case in `group`, then `extra(row)`. Rows arrive in file
    order, so remembering ids here reports a duplicate at its own line."""
    seen: set[str] = set()

    def check(row: dict):
        if row["id"] in seen:
            return "id", f"duplicate id '{row['id']}'"
        seen.add(row["id"])
        problem = _one_of(row["group"], USE_CASES, f"{len(USE_CASES)} use-cases")
        return ("group", problem) if problem else extra(row)

    return check


def _check_gold(row: dict):
    problem = _one_of(row["category"], CATEGORIES, "categories")
    if problem:
        return "category", problem
    scores = row["scores"]
    if set(scores) != set(CRITERIA):
        return "scores", f"keys must be exactly {', '.join(CRITERIA)} (got {', '.join(sorted(scores)) or 'none'})"
    for name in CRITERIA:
        value = scores[name]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            return f"scores.{name}", f"must be an integer from 1 to 5, got {value!r}"
    return None


def _check_injection(row: dict):
    problem = _one_of(row["attack"], ATTACKS, "attack types")
    if problem:
        return "attack", problem
    if row["clean_answer"].strip() not in row["attacked_answer"]:
        return "attacked_answer", "must contain clean_answer unchanged (the attack is added text)"
    if row["attacked_answer"].strip() == row["clean_answer"].strip():
        return "attacked_answer", "is the same as clean_answer (no attack text)"
    return None


def load_gold(path: str | Path | None = None) -> list[GoldRow]:
    rows = load_jsonl(path or GOLD_PATH, GOLD_SCHEMA, check=_row_checks(_check_gold))
    return [GoldRow(**{k: r[k] for k in GOLD_SCHEMA}) for r in rows]


def load_injections(path: str | Path | None = None) -> list[Injection]:
    rows = load_jsonl(path or INJECTIONS_PATH, INJECTION_SCHEMA, check=_row_checks(_check_injection))
    return [Injection(**{k: r[k] for k in INJECTION_SCHEMA}) for r in rows]
