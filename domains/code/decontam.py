"""Decontamination by token n-gram overlap. Code is split into identifier, number and single-symbol tokens; a
row's overlap with a benchmark is the fraction of the row's 10-grams that occur anywhere in the benchmark's texts.
A row at or over DROP_OVERLAP (of its prompt, of its completion, or of both together) is dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NGRAM = 10
DROP_OVERLAP = 0.3
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|[^\sA-Za-z0-9_]")


def code_tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    tokens = code_tokens(text)
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def build_index(texts: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    index: set[tuple[str, ...]] = set()
    for text in texts:
        index |= ngrams(text, n)
    return index


def overlap(text: str, index: set[tuple[str, ...]], n: int = NGRAM) -> float:
    """Fraction of `text`'s n-grams found in `index` (0.0 for a text shorter than n tokens)."""
    grams = ngrams(text, n)
    return len(grams & index) / len(grams) if grams else 0.0


def row_overlap(prompt: str, completion: str, index: set[tuple[str, ...]]) -> float:
    """The largest of the prompt's, the completion's and the whole row's overlap."""
    return max(overlap(prompt, index), overlap(completion, index), overlap(prompt + completion, index))


@dataclass
class OverlapStats:
    """One split against one benchmark."""

    rows: int = 0
    with_any_overlap: int = 0  # rows sharing at least one n-gram
    dropped: int = 0  # rows at or over DROP_OVERLAP
    max_overlap_kept: float = 0.0
    max_overlap: float = 0.0
    dropped_examples: list[str] = field(default_factory=list)  # origins of the first few dropped rows

    def as_dict(self) -> dict:
        return {"rows": self.rows, "with_any_overlap": self.with_any_overlap, "dropped": self.dropped,
                "max_overlap": round(self.max_overlap, 4), "max_overlap_kept": round(self.max_overlap_kept, 4),
                "dropped_examples": self.dropped_examples}


def decontaminate(pairs: list, indexes: dict[str, set], threshold: float = DROP_OVERLAP) -> tuple[list, dict]:
    """`pairs` (objects with .prompt, .completion, .origin) without the rows that overlap any index at or over
    `threshold`; and {index name: OverlapStats} over all the input rows."""
    stats = {name: OverlapStats(rows=len(pairs)) for name in indexes}
    kept = []
    for pair in pairs:
        values = {name: row_overlap(pair.prompt, pair.completion, index) for name, index in indexes.items()}
        drop = any(v >= threshold for v in values.values())
        for name, value in values.items():
            s = stats[name]
            s.with_any_overlap += value > 0
            s.max_overlap = max(s.max_overlap, value)
            if value >= threshold:
                s.dropped += 1
                if len(s.dropped_examples) < 5:
                    s.dropped_examples.append(pair.origin)
            elif not drop:
                s.max_overlap_kept = max(s.max_overlap_kept, value)
        if not drop:
            kept.append(pair)
    return kept, stats
