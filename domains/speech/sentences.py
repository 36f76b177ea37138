"""The sentences of the speech corpus, written for this project: children's sentences (everyday vocabulary and
syntax, 3-12 words) and adult read-speech sentences (news and instructions register, 8-16 words).

They live one a line in text/child.txt and text/adult.txt; the hygiene rules below are checked by the tests."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

TEXT_DIR = Path(__file__).parent / "text"

# Word-count limits per set (inclusive). Adult sentences stop at 16 words so an utterance stays under 8 s.
WORD_LIMITS = {"child": (3, 12), "adult": (8, 16)}


def normalize(sentence: str) -> str:
    """Lower-case words only: what two sentences must not share to count as different."""
    return " ".join(re.findall(r"[a-z']+", sentence.lower())).replace("'", "")


def word_count(sentence: str) -> int:
    return len(normalize(sentence).split())


def _read(name: str) -> tuple[str, ...]:
    lines = (TEXT_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


@cache
def child_sentences() -> tuple[str, ...]:
    return _read("child")


@cache
def adult_sentences() -> tuple[str, ...]:
    return _read("adult")


def problems(sentences: tuple[str, ...] | list[str], name: str) -> list[str]:
    """Every hygiene problem in a sentence set: duplicates (normalized), digits, non-ASCII, length out of range."""
    low, high = WORD_LIMITS[name]
    found, seen = [], {}
    for i, sentence in enumerate(sentences, start=1):
        key = normalize(sentence)
        if key in seen:
            found.append(f"{name} #{i}: duplicate of #{seen[key]}: {sentence!r}")
        seen.setdefault(key, i)
        if re.search(r"\d", sentence):
            found.append(f"{name} #{i}: contains a digit (write numbers in words): {sentence!r}")
        if not sentence.isascii():
            found.append(f"{name} #{i}: not plain ASCII: {sentence!r}")
        if not low <= word_count(sentence) <= high:
            found.append(f"{name} #{i}: {word_count(sentence)} words, expected {low}-{high}: {sentence!r}")
    return found
