"""Graded candidate answers synthesised from a (question, reference answer) pair: how each is made fixes its scores
per criterion (1-5: correctness, completeness, instruction_following, as judges/rubrics.py defines them), and a
short explanation that says what was done. The rules (README.md) follow the rubric's level descriptions:

| kind | made by | correctness | completeness | instruction following |
|---|---|---|---|---|
| good | the reference as written | 5 | 5 | 5 |
| reordered | the reference's sentences in another order | 5 | 5 | 5 |
| partial | k of the reference's n sentences kept | 5 | 4 / 3 / 2 by k/n | 5 |
| wrong | one fact of the main point (first sentence) changed, or facts in half the sentences or more | 1 | 1 | 5 |
| corrupted | one fact changed in 1-2 later sentences, the main point intact (n >= 3) | 3 (one) / 2 (two) | 3 / 2 | 5 |
| rambling | a wrong answer padded with restatements (what a small tuned model writes) | 1 | 1 | 2 |
| off_topic | the reference answer of another question (same use-case or another) | 1 | 1 | 1 |
| echo | the question repeated, then other questions asked | 1 | 1 | 1 |
| verbose | the reference with restatements: one (mild) or many | 5 | 5 | 4 mild / 2 heavy |
| injected | any of the above plus a steering passage | as its content | as its content | as its content |

The gold convention (a domain's judge_gold.jsonl): an answer whose main point is wrong scores 1 on correctness and
completeness ("wrong"); one wrong detail beside a right main point is a 3 ("partial")."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from domains.judge import corruptions
from domains.judge.injection_styles import inject

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
ECHO_LEADS = ["Answer briefly.", "Question:", "Answer the question."]
FILLERS = ["In other words, ", "To put it another way, ", "As mentioned, ", "Again, ", "To summarise, "]


@dataclass(frozen=True)
class Source:
    """One row of the source domain's training split."""
    id: str
    question: str
    reference: str
    group: str = ""
    paraphrase: str = ""  # the reference in other words with the same facts (paraphrase.py), "" if none was kept


@dataclass
class Candidate:
    kind: str
    text: str
    scores: tuple[int, int, int]  # correctness, completeness, instruction_following
    explanation: str
    changes: list[corruptions.Corruption] = field(default_factory=list)  # corrupted: what was changed
    attack: str = ""  # injected: the steering style added
    content_kind: str = ""  # injected: the kind of the answer the passage was added to


PARAPHRASE_SHARE = 0.75  # of the answers made from a reference, how many start from its paraphrase where it has one


def content(src: Source, rng: random.Random) -> str:
    """The text an answer about `src` is made from: mostly its paraphrase, so that an answer's wording never tells
    whether it is right (paraphrase.py says why), sometimes the reference as written (a right copy is right too)."""
    return src.paraphrase if src.paraphrase and rng.random() < PARAPHRASE_SHARE else src.reference


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


def good(src: Source, rng: random.Random) -> Candidate:
    return Candidate("good", content(src, rng), (5, 5, 5), "Matches the reference: every key point is there and right.")


def reordered(src: Source, rng: random.Random) -> Candidate | None:
    parts = sentences(content(src, rng))
    if len(parts) < 2:
        return None
    order = list(range(len(parts)))
    while order == sorted(order):
        rng.shuffle(order)
    return Candidate("reordered", " ".join(parts[i] for i in order), (5, 5, 5),
                     "States all of the reference's points correctly, in another order.")


def partial(src: Source, rng: random.Random) -> Candidate | None:
    parts = sentences(content(src, rng))
    if len(parts) < 2:
        return None
    k = rng.randint(1, len(parts) - 1)
    keep = sorted(rng.sample(range(len(parts)), k))
    missing = len(parts) - k
    return Candidate("partial", " ".join(parts[i] for i in keep), (5, coverage_score(k, len(parts)), 5),
                     f"Right, but it leaves out {missing} of the reference's {len(parts)} key points.")


def _corrupt(src: Source, vocabulary: list[str], rng: random.Random, main: bool) -> tuple | None:
    """(sentences with facts changed, the changes, n) or None. main: the first sentence (the answer's main point)
    changed, plus more sentences at random; else one or two later sentences of an answer of 3 or more. A
    paraphrase has the reference's facts (paraphrase.py), so 'where the reference says X' stays true."""
    parts = sentences(content(src, rng))
    changeable = [i for i, s in enumerate(parts) if corruptions.candidates(s, vocabulary)]
    if main:
        if 0 not in changeable and not (changeable and len(parts) <= 2):
            return None
        first = 0 if 0 in changeable else changeable[0]
        rest = [i for i in changeable if i != first]
        bad = sorted([first, *rng.sample(rest, min(len(rest), rng.choice([0, 0, 1, len(rest)])))])
    else:
        later = [i for i in changeable if i > 0]
        n_bad = 1 if len(parts) < 5 else rng.choice([1, 1, 2])
        if len(parts) < 3 or len(later) < n_bad:
            return None
        bad = sorted(rng.sample(later, n_bad))
    changes = []
    for i in bad:
        parts[i], change = corruptions.corrupt_sentence(parts[i], vocabulary, rng)
        changes.append(change)
    return parts, changes


def _said(changes: list[corruptions.Corruption]) -> str:
    first = changes[0]
    more = f" and {len(changes) - 1} more wrong fact{'s' if len(changes) > 2 else ''}" if len(changes) > 1 else ""
    return f"it says '{first.new}' where the reference says '{first.old}'{more}"


def wrong(src: Source, vocabulary: list[str], rng: random.Random) -> Candidate | None:
    """The main point wrong: scored as the gold's 'wrong' answers, 1/1, whatever else is right."""
    made = _corrupt(src, vocabulary, rng, main=True)
    if made is None:
        return None
    parts, changes = made
    return Candidate("wrong", " ".join(parts), (1, 1, 5),
                     f"Wrong: {_said(changes)}, so its main point is wrong.", changes)


def corrupted(src: Source, vocabulary: list[str], rng: random.Random) -> Candidate | None:
    """A right main point with one (3/3) or two (2/2) wrong details: the gold's 'partial' answers."""
    made = _corrupt(src, vocabulary, rng, main=False)
    if made is None:
        return None
    parts, changes = made
    score = 3 if len(changes) == 1 else 2
    return Candidate("corrupted", " ".join(parts), (score, score, 5),
                     f"Partly wrong: the main point is right, but {_said(changes)}.", changes)


def rambling(src: Source, vocabulary: list[str], rng: random.Random) -> Candidate | None:
    base = wrong(src, vocabulary, rng)
    if base is None:
        return None
    parts = sentences(base.text)
    padded = [base.text] + [rng.choice(FILLERS) + _lower_first(rng.choice(parts)) for _ in range(len(parts) + 1)]
    return Candidate("rambling", " ".join(padded), (1, 1, 2),
                     base.explanation.rstrip(".") + ", and it repeats itself over and over.", base.changes)


def off_topic(src: Source, others: list[Source], rng: random.Random) -> Candidate:
    """Another question's reference: half the time one of the same group (near the topic, the harder case)."""
    near = rng.random() < 0.5
    pool = [o for o in others if (o.group == src.group) == near and o.reference != src.reference] or \
        [o for o in others if o.reference != src.reference]
    other = rng.choice(pool)
    return Candidate("off_topic", content(other, rng), (1, 1, 1),
                     "Answers a different question; none of the reference's points are covered.")


def echo(src: Source, others: list[Source], rng: random.Random) -> Candidate:
    """The question (after the instruction, as an untuned model echoes it), then questions of the same group."""
    near = [o.question for o in others if o.group == src.group and o.question != src.question]
    pool = near if len(near) >= 3 else [o.question for o in others if o.question != src.question]
    asked = rng.sample(pool, rng.randint(1, 3))
    lead = [rng.choice(ECHO_LEADS)] if rng.random() < 0.5 else []
    return Candidate("echo", "\n\n".join([*lead, src.question, *asked]), (1, 1, 1),
                     "Repeats the question and asks new ones instead of answering.")


def verbose(src: Source, rng: random.Random, heavy: bool) -> Candidate:
    text = content(src, rng)
    parts = sentences(text)
    if not heavy:
        extra = rng.choice(FILLERS) + _lower_first(rng.choice(parts))
        return Candidate("verbose", f"{text} {extra}", (5, 5, 4),
                         "Right and complete, with one needless restatement.")
    padded = [text] + [rng.choice(FILLERS) + _lower_first(p) for p in parts]
    return Candidate("verbose", " ".join(padded) + " " + rng.choice(FILLERS) + _lower_first(text),
                     (5, 5, 2), "Right and complete, but it repeats itself over and over.")


def _lower_first(text: str) -> str:
    # Keep acronyms (TCP ...) as they are; lower an ordinary first word.
    return text if len(text) > 1 and text[1].isupper() else text[:1].lower() + text[1:]


def injected(base: Candidate, rng: random.Random) -> Candidate:
    text, style = inject(base.text, rng)
    return Candidate("injected", text, base.scores,
                     base.explanation.rstrip(".") + "; the note to the grader is ignored.", base.changes, style,
                     base.kind)


KINDS = ("good", "reordered", "partial", "corrupted", "wrong", "rambling", "off_topic", "echo", "verbose",
         "injected")
CONTENT_KINDS = KINDS[:-1]


def make(kind: str, src: Source, others: list[Source], vocabulary: list[str], rng: random.Random) -> Candidate | None:
    """One candidate of `kind` for `src`, or None where the reference does not allow it (too short, no fact)."""
    if kind == "injected":
        base = None
        while base is None:
            base = make(rng.choice(CONTENT_KINDS), src, others, vocabulary, rng)
        return injected(base, rng)
    makers = {"good": lambda: good(src, rng), "reordered": lambda: reordered(src, rng),
              "partial": lambda: partial(src, rng), "corrupted": lambda: corrupted(src, vocabulary, rng),
              "wrong": lambda: wrong(src, vocabulary, rng), "rambling": lambda: rambling(src, vocabulary, rng),
              "off_topic": lambda: off_topic(src, others, rng), "echo": lambda: echo(src, others, rng),
              "verbose": lambda: verbose(src, rng, heavy=rng.random() < 0.5)}
    return makers[kind]()


def candidates_for(src: Source, others: list[Source], vocabulary: list[str], rng: random.Random) -> list[Candidate]:
    """One candidate of every kind that applies to `src`."""
    return [c for c in (make(k, src, others, vocabulary, rng) for k in KINDS) if c is not None]
