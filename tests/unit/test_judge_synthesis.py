"""The judge adapter's training data: every synthesised candidate is what its label says it is, pairs are balanced
by position, and nothing of a domain's gold or attack sets reaches training."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import replace

import pytest

from cookbook.config import DataConfig
from domains.judge import corruptions, data, synthesis
from domains.judge.injection_styles import STYLES
from judges.parse import parse_pairwise, parse_pointwise

CFG = DataConfig(source_domain="telecom")


@pytest.fixture(scope="module")
def sources():
    rows, _, _ = data.source_rows(CFG)
    return rows


@pytest.fixture(scope="module")
def train():
    return data.load_examples(CFG, "train")


def _made(sources, n=120, seed=1):
    rng = random.Random(seed)
    vocab = corruptions.names_in([s.reference for s in sources])
    return [(s, synthesis.candidates_for(s, sources, vocab, rng)) for s in sources[:n]]


def test_each_corruption_changes_the_fact_it_claims(sources):
    vocab = corruptions.names_in([s.reference for s in sources])
    rng = random.Random(0)
    seen = defaultdict(int)
    for s in sources:
        for sentence in synthesis.sentences(s.reference):
            out = corruptions.corrupt_sentence(sentence, vocab, rng)
            if out is None:
                continue
            text, c = out
            seen[c.kind] += 1
            assert sentence[c.start:c.end] == c.old
            assert text == sentence[:c.start] + c.new + sentence[c.end:]
            assert c.new != c.old and text != sentence
            if c.kind in ("number", "rfc"):
                assert float(c.new) != float(c.old)
            elif c.kind == "unit":
                family = next(f for f in corruptions.UNIT_FAMILIES if c.old in f)
                assert c.new in family
            else:  # a name the sentence did not use before: a different protocol, not a synonym already there
                assert c.new not in corruptions.names_in([sentence])
    assert all(seen[k] > 10 for k in ("number", "rfc", "unit", "name")), dict(seen)


def _check_changes(c, s):
    """Every change is applied where it says: the new value in the answer, the old one in the reference."""
    assert c.changes and c.text != s.reference
    for ch in c.changes:
        assert ch.new in c.text and ch.old in s.reference and ch.new != ch.old


def test_wrong_and_corrupted_candidates_change_the_sentences_their_label_says(sources):
    seen = defaultdict(int)
    for s, made in _made(sources, n=len(sources)):
        ref = synthesis.sentences(s.reference)
        for c in made:
            if c.kind not in ("wrong", "corrupted", "rambling"):
                continue
            seen[c.kind] += 1
            _check_changes(c, s)
            got = synthesis.sentences(c.text)[:len(ref)]
            changed = [i for i, (x, y) in enumerate(zip(ref, got, strict=True)) if x != y]
            assert len(changed) == len(c.changes), (c.text, s.reference)
            if c.kind == "corrupted":  # main point intact, one or two later details wrong
                assert 0 not in changed and len(ref) >= 3 and c.scores == (4 - len(changed),) * 2 + (5,)
                assert c.explanation.startswith("Partly wrong: the main point is right, but it says "
                                                f"'{c.changes[0].new}' where the reference says")
            else:  # the main point (first sentence) wrong, or half the sentences or more
                assert 0 in changed or 2 * len(changed) >= len(ref)
                assert c.scores == ((1, 1, 5) if c.kind == "wrong" else (1, 1, 2))
                assert c.explanation.startswith(f"Wrong: it says '{c.changes[0].new}' where the reference says")
                assert "main point is wrong" in c.explanation
    assert seen["wrong"] > 100 and seen["corrupted"] > 50 and seen["rambling"] > 100, dict(seen)


def test_labels_follow_the_gold_convention(sources):
    """Each kind's scores are ones the gold set gives to answers of that kind's gold category (an answer whose main
    point is wrong: 1 on correctness; one wrong detail beside a right main point: the gold's partial 3s)."""
    from cookbook.discovery import get_recipe

    gold = [json.loads(line) for line in get_recipe("telecom").judge.gold_file.read_text().splitlines() if line]
    triples = defaultdict(set)
    for g in gold:
        triples[g["category"]].add(tuple(g["scores"][k] for k in ("correctness", "completeness",
                                                                 "instruction_following")))
    category = {"good": ["good"], "reordered": ["good"], "wrong": ["wrong"], "rambling": ["wrong"],
                "corrupted": ["partial", "wrong"], "off_topic": ["off_topic"], "echo": ["off_topic"]}
    checked = defaultdict(int)
    for _, made in _made(sources):
        for c in made:
            if c.kind in category:
                assert c.scores in set().union(*(triples[k] for k in category[c.kind])), (c.kind, c.scores)
                checked[c.kind] += 1
    assert set(checked) == set(category)


def test_off_topic_and_echo_candidates_answer_nothing_of_the_question(sources):
    near = far = 0
    by_reference = {o.reference: o for o in sources}
    for s, made in _made(sources):
        for c in made:
            if c.kind == "off_topic":
                other = by_reference[c.text]
                assert other.question != s.question
                near, far = near + (other.group == s.group), far + (other.group != s.group)
            elif c.kind == "echo":
                assert s.question in c.text
                assert not any(p in c.text for p in synthesis.sentences(s.reference))
    assert near > 20 and far > 20


def test_kinds_are_made_as_their_scores_say(sources):
    kinds = defaultdict(int)
    for s, made in _made(sources):
        for c in made:
            kinds[c.kind] += 1
            if c.kind == "good":
                assert c.text == s.reference and c.scores == (5, 5, 5)
            elif c.kind == "reordered":
                assert sorted(c.text.split()) == sorted(s.reference.split()) and c.text != s.reference
            elif c.kind == "partial":
                assert 0 < len(c.text) < len(s.reference) and c.text.split()[0] in s.reference
                assert c.scores[1] < 5 and c.scores[0] == 5
            elif c.kind == "off_topic":
                assert c.text != s.reference and c.text in {o.reference for o in sources}
                assert c.scores == (1, 1, 1)
            elif c.kind == "echo":
                assert c.text.split("\n\n").count(s.question) == 1 and c.scores == (1, 1, 1)
            elif c.kind == "verbose":
                assert c.text.startswith(s.reference) and len(c.text) > len(s.reference)
                assert c.scores[:2] == (5, 5) and c.scores[2] < 5
            elif c.kind == "injected":
                assert c.attack in STYLES and any(p in c.text for p in STYLES[c.attack])
                assert c.content_kind != "injected"
    assert set(kinds) == set(synthesis.KINDS)


def test_injected_candidates_keep_their_content_scores(sources):
    rng = random.Random(3)
    base = synthesis.good(sources[0], rng)
    for _ in range(20):
        inj = synthesis.injected(base, rng)
        assert inj.scores == base.scores and base.text in inj.text


def test_pairs_come_in_both_orders_with_the_winner_swapped(train):
    pairs = defaultdict(dict)
    for e in train:
        if e.group == "pairwise":
            stem, order = e.id.rsplit("/", 1)
            pairs[stem][order] = parse_pairwise(e.reference)["winner"]
    assert pairs and all(set(p) == {"xy", "yx"} for p in pairs.values())
    swap = {"A": "B", "B": "A", "tie": "tie"}
    assert all(p["yx"] == swap[p["xy"]] for p in pairs.values())
    winners = [w for p in pairs.values() for w in p.values()]
    assert winners.count("A") == winners.count("B") > 0 and 0 < winners.count("tie") < len(winners) / 4
    kinds = defaultdict(set)  # ids: question/pair_tie0/xy
    for stem, p in pairs.items():
        kinds[stem.rsplit("/", 1)[1].rstrip("0123456789")] |= set(p.values())
    assert kinds["pair_tie"] == {"tie"} and kinds["pair_right_flawed"] == {"A", "B"}
    assert kinds["pair_flawed"] == {"A", "B"}


def test_the_default_config_sets_the_mix_and_the_cap_keeps_it():
    from cookbook.discovery import get_recipe

    cfg = get_recipe("judge").load_config("default").data
    cfg = replace(cfg, paraphrase_model="")  # the mix and cap do not depend on paraphrases (a model run)
    assert set(cfg.mix) == set(synthesis.KINDS) | set(data.PAIR_KINDS)
    rows = data.load_examples(cfg, "train")
    assert len(rows) <= cfg.max_train_samples and len(rows) >= cfg.max_train_samples - 1
    units = defaultdict(set)
    for e in rows:
        units[data.kind_of([e])].add(e.id.rsplit("/", 1)[0] if e.group == "pairwise" else e.id)
    for kind in data.PAIR_KINDS:  # the cap took whole pairs: both orders of each
        assert units[kind] and all(sum(e.id.startswith(stem + "/") for e in rows) == 2 for stem in units[kind])
    total = sum(len(v) for v in units.values())
    weight = sum(cfg.mix.values())
    for kind, w in cfg.mix.items():  # each kind's share of the units is its weight's share, give or take two units
        assert abs(len(units[kind]) - total * w / weight) <= 2, (kind, len(units[kind]), total * w / weight)
    pairwise = sum(e.group == "pairwise" for e in rows)
    assert 0.3 < pairwise / len(rows) < 0.5


def test_an_unknown_kind_in_the_mix_is_a_config_error():
    from cookbook.errors import ConfigError

    with pytest.raises(ConfigError, match="data.mix"):
        data.load_examples(DataConfig(source_domain="telecom", mix={"gud": 1.0}), "train")


def test_every_verdict_parses_and_matches_its_schema(train):
    for e in train[:500]:
        (parse_pairwise if e.group == "pairwise" else parse_pointwise)(e.reference)
        assert json.loads(e.reference)  # the completion is exactly one JSON object
        assert list(json.loads(e.reference))[0] == "explanation"  # explanation first, as the prompt asks


def test_no_gold_or_attack_row_reaches_training(train):
    from cookbook.discovery import get_recipe

    assets = get_recipe("telecom").judge
    gold = [json.loads(line) for line in assets.gold_file.read_text().splitlines() if line.strip()]
    attacks = [json.loads(line) for line in assets.injection_file.read_text().splitlines() if line.strip()]
    texts = [e.prompt for e in train] + [e.prompt for e in data.load_examples(CFG, "test")]
    blob = "\n".join(texts)
    for g in gold:
        assert g["question"] not in blob and g["answer"] not in blob and g["reference"] not in blob, g["id"]
    for a in attacks:
        assert a["question"] not in blob and a["attacked_answer"] not in blob, a["id"]
    passages = [p for ps in STYLES.values() for p in ps]
    assert not any(p in a["attacked_answer"] for a in attacks for p in passages)


def test_held_out_questions_are_not_trained_on(train):
    test = data.load_examples(CFG, "test")
    train_q = {e.id.split("/")[0] for e in train}
    test_q = {e.id.split("/")[0] for e in test}
    assert test_q and not train_q & test_q


def test_the_build_is_deterministic(train):
    again = data.load_examples(CFG, "train")
    assert [(e.id, e.prompt, e.reference) for e in again] == [(e.id, e.prompt, e.reference) for e in train]
    other = data.load_examples(DataConfig(source_domain="telecom", corpus_seed=1), "train")
    assert [e.reference for e in other] != [e.reference for e in train]


def test_a_missing_source_domain_is_a_config_error():
    from cookbook.errors import ConfigError

    with pytest.raises(ConfigError, match="data.source_domain"):
        data.load_examples(DataConfig(), "train")
