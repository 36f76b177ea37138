"""Fact corruptions for synthesised judge training answers: each changes exactly one fact of a sentence (a number,
an RFC number, a unit, or a protocol / product name) and says which, so its grade follows from what was changed.

Nothing here knows a domain: the replacement names come from the source domain's own training answers."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# Units that a swap within the family turns into a different quantity (10 ms -> 10 s is a wrong fact).
UNIT_FAMILIES = [
    ["ms", "s", "us", "ns"],
    ["kbps", "Mbps", "Gbps", "Tbps"],
    ["kHz", "MHz", "GHz"],
    ["dB", "dBm"],
    ["bits", "bytes"],
    ["km", "m"],
    ["KB", "MB", "GB", "TB"],
]
_UNIT_OF = {u: fam for fam in UNIT_FAMILIES for u in fam}
_UNIT = re.compile(r"(?<=\d)(\s?)(" + "|".join(sorted(map(re.escape, _UNIT_OF), key=len, reverse=True)) + r")\b")
_RFC = re.compile(r"\bRFC\s?(\d{3,4})\b")
# A standalone number: not part of a word, an address or a dotted version (2001:db8::, 10.0.0.1, 802.11ac).
_NUMBER = re.compile(r"(?<![\w.:/-])(\d+(?:\.\d+)?)(?![\w.:/-]|\.\d)")
# A protocol / product name: an all-caps token of 2-6 letters or digits starting with a letter (TCP, OSPF, gNB's
# 'NB' is not whole: a name must be the whole token).
_NAME = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{1,5})(?![\w-])")


@dataclass(frozen=True)
class Corruption:
    kind: str  # number | rfc | unit | name
    old: str
    new: str
    start: int  # span of `old` in the original text
    end: int


def names_in(texts: list[str]) -> list[str]:
    """The protocol / product names used across `texts`, in first-seen order (the swap vocabulary)."""
    seen: dict[str, None] = {}
    for t in texts:
        for m in _NAME.finditer(t):
            seen.setdefault(m.group(1), None)
    return list(seen)


def _other_number(old: str, rng: random.Random) -> str:
    if "." in old:
        value = float(old)
        new = f"{value * rng.choice([2, 3, 0.5, 10]):.{len(old.split('.')[1])}f}"
    else:
        value = int(old)
        choices = [value * 2, value * 10, value + rng.randint(1, 9), max(value // 2, 0), value * 4]
        new = str(rng.choice([c for c in choices if c != value] or [value + 1]))
    return new if new != old else str(float(old) + 1)


def candidates(text: str, vocabulary: list[str]) -> list[tuple[str, re.Match]]:
    """Every place in `text` where a fact can be corrupted, as (kind, match)."""
    rfc_spans = [m.span() for m in _RFC.finditer(text)]
    out = [("rfc", m) for m in _RFC.finditer(text)]
    out += [("unit", m) for m in _UNIT.finditer(text)]
    out += [("number", m) for m in _NUMBER.finditer(text)
            if not any(a <= m.start() < b for a, b in rfc_spans)]
    present = set(_NAME.findall(text))
    if any(v not in present for v in vocabulary):
        out += [("name", m) for m in _NAME.finditer(text) if m.group(1) != "RFC"]
    return out


def corrupt_at(text: str, kind: str, match: re.Match, vocabulary: list[str], rng: random.Random) -> Corruption:
    present = set(_NAME.findall(text))
    if kind == "rfc":
        old = match.group(1)
        start, end = match.span(1)
        new = _other_number(old, rng)
    elif kind == "unit":
        old = match.group(2)
        start, end = match.span(2)
        new = rng.choice([u for u in _UNIT_OF[old] if u != old])
    elif kind == "number":
        old = match.group(1)
        start, end = match.span(1)
        new = _other_number(old, rng)
    else:
        old = match.group(1)
        start, end = match.span(1)
        new = rng.choice([v for v in vocabulary if v not in present])
    return Corruption(kind, old, new, start, end)


def apply(text: str, c: Corruption) -> str:
    return text[:c.start] + c.new + text[c.end:]


def corrupt_sentence(sentence: str, vocabulary: list[str], rng: random.Random) -> tuple[str, Corruption] | None:
    """`sentence` with one fact changed, or None when it states none we can change."""
    places = candidates(sentence, vocabulary)
    if not places:
        return None
    kind, match = rng.choice(places)
    c = corrupt_at(sentence, kind, match, vocabulary, rng)
    return apply(sentence, c), c
