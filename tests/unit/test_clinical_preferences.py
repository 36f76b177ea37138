"""Preference pairs: every rejected summary differs from its record in the way its label says, checked with the
metrics (not by trusting the label or the recorded changes), and the mix follows PreferenceConfig exactly."""

from collections import Counter

import pytest

from domains.clinical import metrics
from domains.clinical.generator import generate_split
from domains.clinical.preferences import KINDS, PreferenceConfig, deal_kinds, pairs, rejected
from domains.clinical.record import render
from domains.clinical.summary import build

CFG = PreferenceConfig()


@pytest.fixture(scope="module")
def admissions():
    return generate_split(0, "train", 80)


def scored(adm, kind, n=0):
    text, changes = rejected(adm, kind, CFG, n)
    return text, changes, metrics.score_one(text, adm, build(adm).text(), rouge=False)


def test_omission_loses_exactly_the_facts_it_says_and_invents_nothing(admissions):
    for a in admissions:
        text, changes, row = scored(a, "omission")
        assert changes["omitted"] and row["missing"] == changes["omitted"], a.id
        assert row["fact_recall"] < 1 and row["hallucination_rate"] == 0 and row["leak_rate"] == 0


def test_invented_states_a_fact_the_record_lacks(admissions):
    types = Counter()
    for a in admissions:
        text, changes, row = scored(a, "invented")
        types[changes["type"]] += 1
        assert row["hallucination_rate"] > 0 and row["leak_rate"] == 0, a.id
        bad = row["unsupported"]
        if changes["type"] in ("drug", "diagnosis"):
            assert bad == [changes["fact"]] and row["fact_recall"] == 1, (a.id, bad, changes)
        else:  # a changed dose or value: the wrong one is unsupported, the right one no longer recalled
            assert len(bad) == 1 and bad[0].startswith(changes["fact"] + "="), (a.id, bad)
            assert row["fact_recall"] < 1
    assert set(types) == {"drug", "dose", "lab_value", "diagnosis"}


def test_leak_carries_the_identifiers_it_says_and_nothing_else_changes(admissions):
    for a in admissions:
        text, changes, row = scored(a, "leak")
        assert row["leak_rate"] == 1 and sorted(row["leaked"]) == sorted(changes["leaked"]), a.id
        assert row["fact_recall"] == 1 and row["hallucination_rate"] == 0


def test_verbose_keeps_every_fact_but_is_longer_repetitive_and_out_of_order(admissions):
    for a in admissions:
        text, changes, row = scored(a, "verbose")
        assert row["fact_recall"] == 1 and row["hallucination_rate"] == 0 and row["leak_rate"] == 0, a.id
        assert row["length_ratio"] > 1.1 and row["redundancy"] > 0 and row["sections_in_order"] < 1, a.id


def test_the_mix_is_exact_and_seeded():
    cfg = PreferenceConfig(omission=2, invented=1, leak=1, verbose=0, pairs_per_admission=2, seed=5)
    dealt = deal_kinds(cfg, 100, "train")
    assert len(dealt) == 100 and all(len(k) == 2 for k in dealt)
    assert Counter(k for ks in dealt for k in ks) == {"omission": 100, "invented": 50, "leak": 50}
    assert dealt == deal_kinds(cfg, 100, "train") and dealt != deal_kinds(cfg, 100, "test")
    with pytest.raises(ValueError):
        deal_kinds(PreferenceConfig(omission=0, invented=0, leak=0, verbose=0), 4, "train")


def test_pairs_rows_hold_prompt_chosen_rejected_kind_and_changes(admissions):
    a = admissions[0]
    rows = pairs(a, render(a), list(KINDS), CFG)
    assert [r["kind"] for r in rows] == list(KINDS)
    assert all(r["prompt"] == render(a) and r["chosen"] == build(a).text() != r["rejected"] for r in rows)
    assert all(r["changes"] for r in rows) and len({r["id"] for r in rows}) == 4
    assert rows == pairs(a, render(a), list(KINDS), CFG)
