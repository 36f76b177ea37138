"""The judge adapter's training data: every synthesised candidate is what its label says it is, pairs are balanced
by position, and nothing of a domain's gold or attack sets reaches training."""

from __future__ import annotations

import json
import random
from collections import defaultdict

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


def test_corrupted_candidates_differ_from_the_reference_where_they_say(sources):
    for s, made in _made(sources):
        for c in made:
            if c.kind == "corrupted":
                assert c.changes and c.text != s.reference
                assert all(ch.new in c.text for ch in c.changes)
                assert c.scores[0] <= 3 and c.explanation.startswith(f"Wrong: it says '{c.changes[0].new}'")


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
                assert c.text.startswith(s.question) and c.scores == (1, 1, 1)
            elif c.kind == "verbose":
                assert c.text.startswith(s.reference) and len(c.text) > len(s.reference)
                assert c.scores[:2] == (5, 5) and c.scores[2] < 5
            elif c.kind == "injected":
                assert c.attack in STYLES and any(p in c.text for p in STYLES[c.attack])
                assert c.content_kind != "injected"
    assert set(kinds) == {"good", "reordered", "partial", "corrupted", "off_topic", "echo", "verbose", "injected"}


def test_injected_candidates_keep_their_content_scores(sources):
    rng = random.Random(3)
    base = synthesis.good(sources[0])
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
    assert winners.count("A") == winners.count("B") > 0


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
