"""Judge training rows from another domain's *training* split (`data.source_domain`): every source question gets
graded candidates (synthesis.py) as pointwise examples, and pairs of them as pairwise examples in both orders, so
the position of the better answer carries no signal. How many of each kind a question gets is `data.mix` (kind ->
units per source question; a fraction is drawn with that probability; a pair is one unit of two rows). The prompts
are exactly what the judge is sent (judges.rubrics: system rubric + user turn); the completion is the verdict
JSON, explanation first.

A held-out tenth of the source's training questions (by a hash of their id) is the `test` split; the source's own
test split, which holds its gold calibration set, is never read."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace

from cookbook.config import DataConfig
from cookbook.errors import ConfigError
from cookbook.tasks.text.examples import TextExample
from domains.judge import corruptions, paraphrase, synthesis
from judges.rubrics import CRITERION_NAMES, pairwise_system, pairwise_user, pointwise_system, pointwise_user

# Units per source question when the config names none (configs/default.yaml sets its own; README.md's table).
DEFAULT_MIX = {"good": 0.45, "reordered": 0.2, "partial": 0.4, "corrupted": 0.45, "wrong": 0.9, "rambling": 0.25,
               "off_topic": 1.0, "echo": 0.6, "verbose": 0.3, "injected": 0.4,
               "pair_right_flawed": 0.9, "pair_flawed": 0.45, "pair_tie": 0.15}
PAIR_KINDS = ("pair_right_flawed", "pair_flawed", "pair_tie")
SHORT = {"good": "right and complete", "reordered": "right and complete", "partial": "misses key points",
         "corrupted": "gets a detail wrong", "wrong": "gets its main point wrong", "rambling":
         "gets its main point wrong and repeats itself", "off_topic": "answers another question", "echo":
         "does not answer", "verbose": "right but repetitive"}


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


def with_paraphrases(rows: list[synthesis.Source], model: str) -> list[synthesis.Source]:
    """`rows` with the paraphrases of `model` that kept the reference's facts (paraphrase.py); unchanged for ""."""
    if not model:
        return rows
    kept = paraphrase.accepted(paraphrase.build([r.id for r in rows], [r.reference for r in rows], model))
    return [replace(r, paraphrase=kept.get(r.id, "")) for r in rows]


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


def mix_of(cfg: DataConfig) -> dict[str, float]:
    mix = cfg.mix or DEFAULT_MIX
    unknown = sorted(set(mix) - set(synthesis.KINDS) - set(PAIR_KINDS))
    if unknown or any(w < 0 for w in mix.values()):
        raise ConfigError(f"data.mix: {unknown or 'a negative weight'}: kinds are {', '.join(synthesis.KINDS)}, "
                          f"{', '.join(PAIR_KINDS)}; weights >= 0")
    return mix


def _count(weight: float, rng: random.Random) -> int:
    whole = int(weight)
    return whole + (rng.random() < weight - whole)


def pair(kind: str, made: list[synthesis.Candidate], rng: random.Random) -> tuple | None:
    """Two candidates of one question. pair_right_flawed: a right answer (good, reordered) against a flawed one;
    pair_flawed: two flawed ones of different score sums; pair_tie: two of the same score sum."""
    right = [c for c in made if c.kind in ("good", "reordered")]
    flawed = [c for c in made if sum(c.scores) < 15]
    if kind == "pair_right_flawed":
        return (rng.choice(right), rng.choice(flawed)) if right and flawed else None
    same = kind == "pair_tie"
    options = [(x, y) for i, x in enumerate(made) for y in made[i + 1:]
               if (sum(x.scores) == sum(y.scores)) == same and (same or (x in flawed and y in flawed))]
    return rng.choice(options) if options else None


def units_for(src: synthesis.Source, where: str, others, vocabulary, subject: str, mix: dict[str, float],
              rng) -> list[list[TextExample]]:
    """Training units of one source row: one per pointwise example, one per pair (both orders together)."""
    point_sys, pair_sys = pointwise_system(subject), pairwise_system(subject)
    units = []
    for kind in synthesis.KINDS:
        for j in range(_count(mix.get(kind, 0.0), rng)):
            c = synthesis.make(kind, src, others, vocabulary, rng)
            if c is not None:
                units.append([TextExample(f"{src.id}/{kind}{j}", pointwise_user(src.question, src.reference, c.text),
                                          verdict_pointwise(c), group=f"pointwise:{kind}", source=where,
                                          fields=("candidate", "verdict"), system=point_sys)])
    pool = synthesis.candidates_for(src, others, vocabulary, rng)
    for kind in PAIR_KINDS:
        for j in range(_count(mix.get(kind, 0.0), rng)):
            chosen = pair(kind, pool, rng)
            if chosen is None:
                continue
            x, y = chosen
            units.append([TextExample(f"{src.id}/{kind}{j}/{order}",
                                      pairwise_user(src.question, src.reference, a.text, b.text),
                                      verdict_pairwise(a, b), group="pairwise", source=where,
                                      fields=("candidates", "verdict"), system=pair_sys)
                          for order, (a, b) in (("xy", (x, y)), ("yx", (y, x)))])
    return units


def kind_of(unit: list[TextExample]) -> str:
    """pointwise:wrong -> wrong; a pair's id Q/pair_tie0/xy -> pair_tie."""
    e = unit[0]
    return e.group.split(":", 1)[1] if e.group != "pairwise" else e.id.split("/")[-2].rstrip("0123456789")


def in_mix_order(units: list[list[TextExample]], mix: dict[str, float], rng: random.Random) -> list:
    """`units` shuffled within each kind, then interleaved so that every prefix follows the mix's weights as closely
    as the supply allows (next: the kind furthest below its share)."""
    buckets: dict[str, list] = {}
    for unit in units:
        buckets.setdefault(kind_of(unit), []).append(unit)
    for bucket in buckets.values():
        rng.shuffle(bucket)
    taken = dict.fromkeys(buckets, 0)
    out = []
    while any(buckets.values()):
        kind = min((k for k in buckets if buckets[k]), key=lambda k: ((taken[k] + 1) / mix[k], k))
        out.append(buckets[kind].pop())
        taken[kind] += 1
    return out


def load_examples(cfg: DataConfig, split: str) -> list[TextExample]:
    mix = mix_of(cfg)
    rows, wheres, subject = source_rows(cfg)
    rows = with_paraphrases(rows, cfg.paraphrase_model)
    vocabulary = corruptions.names_in([r.reference for r in rows])
    rng = random.Random(cfg.corpus_seed)
    units = []
    for src, where in zip(rows, wheres, strict=True):
        if is_held_out(src.id) == (split != "train"):
            units += units_for(src, where, rows, vocabulary, subject, mix, rng)
    units = in_mix_order(units, mix, rng)  # a cap then keeps the mix of kinds
    cap = cfg.max_train_samples if split == "train" else 0
    out: list[TextExample] = []
    for unit in units:  # whole units only: the cap never splits a pair's two orders
        if cap and len(out) + len(unit) > cap:
            continue
        out += unit
    return out
