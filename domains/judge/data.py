"""Judge training rows from another domain's *training* split (`data.source_domain`): every source question gets
graded candidates (synthesis.py) as pointwise examples, and pairs of them as pairwise examples in both orders, so
the position of the better answer carries no signal. The prompts are exactly what the judge is sent
(judges.rubrics: system rubric + user turn); the completion is the verdict JSON, explanation first.

A held-out tenth of the source's training questions (by a hash of their id) is the `test` split; the source's own
test split, which holds its gold calibration set, is never read."""

from __future__ import annotations

import hashlib
import json
import random

from cookbook.config import DataConfig
from cookbook.errors import ConfigError
from cookbook.tasks.text.examples import TextExample
from domains.judge import corruptions, synthesis
from judges.rubrics import CRITERION_NAMES, pairwise_system, pairwise_user, pointwise_system, pointwise_user

PAIRS_PER_QUESTION = 2
SHORT = {"good": "right and complete", "reordered": "right and complete", "partial": "misses key points",
         "corrupted": "states wrong facts", "off_topic": "answers another question", "echo": "does not answer",
         "verbose": "right but repetitive"}


def is_held_out(source_id: str) -> bool:
    return int(hashlib.sha256(source_id.encode()).hexdigest(), 16) % 10 == 0


def source_rows(cfg: DataConfig) -> tuple[list[synthesis.Source], list[str], str]:
    """(the source domain's training rows, their source `file:line`s, the rubric subject of its judge assets)."""
    from cookbook.discovery import get_recipe

    if not cfg.source_domain:
        raise ConfigError("data.source_domain: empty; name the domain whose training split the judge learns from")
    recipe = get_recipe(cfg.source_domain)
    if recipe.task != "text":
        raise ConfigError(f"data.source_domain: '{cfg.source_domain}' is a {recipe.task} domain; the judge grades "
                          "text answers")
    examples = recipe.load_examples(recipe.load_config("default").data, "train")
    subject = recipe.judge.subject if recipe.judge else "answers"
    rows = [synthesis.Source(e.id, e.prompt, e.reference, e.group) for e in examples]
    return rows, [e.source for e in examples], subject


def verdict_pointwise(c: synthesis.Candidate) -> str:
    return json.dumps({"explanation": c.explanation, **dict(zip(CRITERION_NAMES, c.scores, strict=True))})


def _short(c: synthesis.Candidate) -> str:
    if c.kind == "injected":
        return SHORT[c.content_kind] + " (its note to the grader is ignored)"
    return SHORT[c.kind]


def winner(a: synthesis.Candidate, b: synthesis.Candidate) -> str:
    return "A" if sum(a.scores) > sum(b.scores) else "B" if sum(b.scores) > sum(a.scores) else "tie"


def verdict_pairwise(a: synthesis.Candidate, b: synthesis.Candidate) -> str:
    w = winner(a, b)
    lead = "Both are as good" if w == "tie" else f"{w} is better"
    return json.dumps({"explanation": f"{lead}: A {_short(a)}, B {_short(b)}.", "winner": w})


def _pairs(made: list[synthesis.Candidate], rng: random.Random) -> list[tuple]:
    """A right answer against a flawed one, and one more random pair (ties included)."""
    right = [c for c in made if c.kind in ("good", "reordered")]
    flawed = [c for c in made if sum(c.scores) < 15]
    pairs = [(rng.choice(right), rng.choice(flawed))] if right and flawed else []
    while len(pairs) < PAIRS_PER_QUESTION:
        pairs.append(tuple(rng.sample(made, 2)))
    return pairs


def units_for(src: synthesis.Source, where: str, others, vocabulary, subject: str, rng) -> list[list[TextExample]]:
    """Training units of one source row: one per pointwise example, one per pair (both orders together)."""
    made = synthesis.candidates_for(src, others, vocabulary, rng)
    point_sys, pair_sys = pointwise_system(subject), pairwise_system(subject)
    units = [[TextExample(f"{src.id}/{c.kind}", pointwise_user(src.question, src.reference, c.text),
                          verdict_pointwise(c), group=f"pointwise:{c.kind}", source=where,
                          fields=("candidate", "verdict"), system=point_sys)] for c in made]
    for k, (x, y) in enumerate(_pairs(made, rng)):
        units.append([TextExample(f"{src.id}/pair{k}/{order}", pairwise_user(src.question, src.reference, a.text,
                                                                                b.text),
                                  verdict_pairwise(a, b), group="pairwise", source=where,
                                  fields=("candidates", "verdict"), system=pair_sys)
                      for order, (a, b) in (("xy", (x, y)), ("yx", (y, x)))])
    return units


def load_examples(cfg: DataConfig, split: str) -> list[TextExample]:
    rows, wheres, subject = source_rows(cfg)
    vocabulary = corruptions.names_in([r.reference for r in rows])
    rng = random.Random(cfg.corpus_seed)
    units = []
    for src, where in zip(rows, wheres, strict=True):
        if is_held_out(src.id) == (split != "train"):
            units += units_for(src, where, rows, vocabulary, subject, rng)
    rng.shuffle(units)  # a cap (data.max_train_samples) then keeps the mix of kinds
    return [e for unit in units for e in unit]
