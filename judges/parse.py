"""Strict parsing of judge replies. A reply is one JSON object (optionally inside one ```json fence) with exactly
the fields the schema asks for; anything else is a ParseError, which the client answers with one retry."""

from __future__ import annotations

import json
import re

from judges.rubrics import CRITERION_NAMES

_FENCE = re.compile(r"^```(?:json)?\s*\n?(.*?)\n?```$", re.DOTALL)


class ParseError(ValueError):
    pass


def _json_object(text: str) -> dict:
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        obj = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ParseError(f"expected a JSON object, got {type(obj).__name__}")
    return obj


def first_object(text: str) -> str:
    """`text` up to the end of its first JSON object, or unchanged when it holds none."""
    start = text.find("{")
    if start < 0:
        return text
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        return text
    return text[start:end]


def _explanation(obj: dict) -> str:
    explanation = obj.get("explanation", "")
    if not isinstance(explanation, str):
        raise ParseError("explanation: expected a string")
    return explanation


def parse_pointwise(text: str) -> dict:
    """-> {criterion: int 1..5, ..., "explanation": str}"""
    obj = _json_object(text)
    out = {}
    for name in CRITERION_NAMES:
        value = obj.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise ParseError(f"{name}: expected an integer 1-5, got {value!r}")
        if not 1 <= value <= 5:
            raise ParseError(f"{name}: {value} is outside 1-5")
        out[name] = int(value)
    extra = set(obj) - set(CRITERION_NAMES) - {"explanation"}
    if extra:
        raise ParseError(f"unexpected fields {sorted(extra)}")
    out["explanation"] = _explanation(obj)
    return out


def parse_pairwise(text: str) -> dict:
    """-> {"winner": "A"|"B"|"tie", "explanation": str}"""
    obj = _json_object(text)
    winner = obj.get("winner")
    if not isinstance(winner, str) or winner.strip().lower() not in {"a", "b", "tie"}:
        raise ParseError(f"winner: expected 'A', 'B' or 'tie', got {winner!r}")
    extra = set(obj) - {"winner", "explanation"}
    if extra:
        raise ParseError(f"unexpected fields {sorted(extra)}")
    w = winner.strip().lower()
    return {"winner": "tie" if w == "tie" else w.upper(), "explanation": _explanation(obj)}
