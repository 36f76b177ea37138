"""Graded candidate answers synthesised from a (question, reference answer) pair: how each is made fixes its scores
per criterion (1-5: correctness, completeness, instruction_following, as judges/rubrics.py defines them), and a
short explanation that says what was done. The rules (README.md) follow the rubric's level descriptions:

| kind | made by | correctness | completeness | instruction following |
|---|---|---|---|---|
| good | the reference as written | 5 | 5 | 5 |
| reordered | the reference's sentences in another order | 5 | 5 | 5 |
| partial | k of the reference's n sentences kept | 5 | 4 / 3 / 2 by k/n | 5 |
| corrupted | one fact changed in c of n sentences | 3 (c=1, n>=3), 2, or 1 (c >= n/2) | by intact share | 5 |
| off_topic | the reference answer of another question | 1 | 1 | 1 |
| echo | the question repeated, then other questions asked | 1 | 1 | 1 |
| verbose | the reference with restatements: one (mild) or many | 5 | 5 | 4 mild / 2 heavy |
| injected | any of the above plus a steering passage | as its content | as its content | as its content |
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from domains.judge import corruptions
from domains.judge.injection_styles import inject

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
FILLERS = ["In other words, ", "To put it another way, ", "As mentioned, ", "Again, ", "To summarise, "]


@dataclass(frozen=True)
class Source:
    """One row of the source domain's training split."""
    id: str
    question: str
    reference: str
    group: str = ""


@dataclass
class Candidate:
    kind: str
    text: str
    scores: tuple[int, int, int]  # correctness, completeness, instruction_following
    explanation: str
    changes: list[corruptions.Corruption] = field(default_factory=list)  # corrupted: what was changed
    attack: str = ""  # injected: the steering style added
    content_kind: str = ""  # injected: the kind of the answer the passage was added to


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s]


def coverage_score(kept: int, total: int) -> int:
    """Completeness from the share of the reference's sentences (its key points) an answer states correctly."""
    if kept <= 0:
        return 1
    if kept >= total:
        return 5
    share = kept / total
    return 4 if share >= 0.67 else 3 if share >= 0.34 else 2


def good(src: Source) -> Candidate:
    return Candidate("good", src.reference, (5, 5, 5), "Matches the reference: every key point is there and right.")


def reordered(src: Source, rng: random.Random) -> Candidate | None:
    parts = sentences(src.reference)
    if len(parts) < 2:
        return None
    order = list(range(len(parts)))
    while order == sorted(order):
        rng.shuffle(order)
    return Candidate("reordered", " ".join(parts[i] for i in order), (5, 5, 5),
                     "States all of the reference's points correctly, in another order.")


def partial(src: Source, rng: random.Random) -> Candidate | None:
    parts = sentences(src.reference)
    if len(parts) < 2:
        return None
    k = rng.randint(1, len(parts) - 1)
    keep = sorted(rng.sample(range(len(parts)), k))
    missing = len(parts) - k
    return Candidate("partial", " ".join(parts[i] for i in keep), (5, coverage_score(k, len(parts)), 5),
                     f"Right, but it leaves out {missing} of the reference's {len(parts)} key points.")


def corrupted(src: Source, vocabulary: list[str], rng: random.Random, heavy: bool = False) -> Candidate | None:
    parts = sentences(src.reference)
    changeable = [i for i, s in enumerate(parts) if corruptions.candidates(s, vocabulary)]
    if not changeable:
        return None
    n_bad = len(changeable) if heavy else min(len(changeable), rng.choice([1, 1, 2]))
    bad = sorted(rng.sample(changeable, n_bad))
    changes = []
    for i in bad:
        parts[i], change = corruptions.corrupt_sentence(parts[i], vocabulary, rng)
        changes.append(change)
    n = len(parts)
    if n_bad * 2 >= n:
        correctness = 1
    elif n_bad == 1 and n >= 3:
        correctness = 3
    else:
        correctness = 2
    first = changes[0]
    more = f" and {n_bad - 1} more wrong fact{'s' if n_bad > 2 else ''}" if n_bad > 1 else ""
    return Candidate("corrupted", " ".join(parts), (correctness, coverage_score(n - n_bad, n), 5),
                     f"Wrong: it says '{first.new}' where the reference says '{first.old}'{more}.", changes)


def off_topic(src: Source, others: list[Source], rng: random.Random) -> Candidate:
    pool = [o for o in others if o.group != src.group and o.question != src.question] or \
        [o for o in others if o.question != src.question]
    other = rng.choice(pool)
    return Candidate("off_topic", other.reference, (1, 1, 1),
                     "Answers a different question; none of the reference's points are covered.")


def echo(src: Source, others: list[Source], rng: random.Random) -> Candidate:
    asked = [o.question for o in rng.sample(others, 2) if o.question != src.question]
    return Candidate("echo", "\n\n".join([src.question, *asked]), (1, 1, 1),
                     "Repeats the question and asks new ones instead of answering.")


def verbose(src: Source, rng: random.Random, heavy: bool) -> Candidate:
    parts = sentences(src.reference)
    if not heavy:
        extra = rng.choice(FILLERS) + _lower_first(rng.choice(parts))
        return Candidate("verbose", f"{src.reference} {extra}", (5, 5, 4),
                         "Right and complete, with one needless restatement.")
    padded = [src.reference] + [rng.choice(FILLERS) + _lower_first(p) for p in parts]
    return Candidate("verbose", " ".join(padded) + " " + rng.choice(FILLERS) + _lower_first(src.reference),
                     (5, 5, 2), "Right and complete, but it repeats itself over and over.")


def _lower_first(text: str) -> str:
    # Keep acronyms (TCP ...) as they are; lower an ordinary first word.
    return text if len(text) > 1 and text[1].isupper() else text[:1].lower() + text[1:]


def injected(base: Candidate, rng: random.Random) -> Candidate:
    text, style = inject(base.text, rng)
    return Candidate("injected", text, base.scores,
                     base.explanation.rstrip(".") + "; the note to the grader is ignored.", base.changes, style,
                     base.kind)


def candidates_for(src: Source, others: list[Source], vocabulary: list[str], rng: random.Random) -> list[Candidate]:
    """One candidate of every kind that applies to `src` (and one injected copy of a random one)."""
    made = [good(src), reordered(src, rng), partial(src, rng), corrupted(src, vocabulary, rng),
            corrupted(src, vocabulary, rng, heavy=True), off_topic(src, others, rng), echo(src, others, rng),
            verbose(src, rng, heavy=rng.random() < 0.5)]
    made = [c for c in made if c is not None]
    made.append(injected(rng.choice(made), rng))
    return made
