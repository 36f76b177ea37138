"""Paraphrased references for judge training: only fact-preserving rewrites are kept, the build is cached and
resumes, and answers made from a paraphrase keep their labels' meaning (a corrupted fact is one the reference
states)."""

from __future__ import annotations

import random

import pytest

from cookbook.config import DataConfig
from domains.judge import corruptions, data, paraphrase, synthesis

REF = ("TCP uses a three-way handshake: SYN, SYN-ACK, ACK. The default MSS is 536 bytes per RFC 879. "
       "Retransmission starts after an RTO of 1 s.")
GOOD = ("Connection setup in TCP is a three-way exchange of SYN, SYN-ACK and ACK. Per RFC 879 the MSS defaults "
        "to 536 bytes, and a lost segment is resent once an RTO of 1 s expires.")


def test_a_faithful_rewrite_is_kept():
    assert paraphrase.rejection(REF, GOOD) == ""


@pytest.mark.parametrize("text, reason", [
    (GOOD.replace("536 bytes", "512 bytes"), "drops 536 bytes"),          # a number changed
    (GOOD.replace("RFC 879", "RFC 793"), "drops 879"),                      # an RFC changed
    (GOOD.replace("1 s", "1 ms"), "drops 1 s"),                             # a unit changed
    (GOOD.replace("in TCP", "in UDP"), "drops TCP"),                        # a name swapped
    (GOOD + " SCTP does the same.", "adds SCTP"),                           # a fact added
    (REF.replace("starts", "begins"), "near-verbatim"),                     # the reference copied
    ("TCP: three-way handshake.", "length"),                                 # far shorter
    ("", "empty"),
])
def test_a_rewrite_that_changes_a_fact_or_copies_is_rejected(text, reason):
    assert paraphrase.rejection(REF, text).startswith(reason)


def test_a_rewrite_that_keeps_a_long_copied_run_is_rejected():
    ref = ("The SMF controls PDU sessions, allocates UE IP addresses, selects the UPF and enforces the policies it "
           "receives from the PCF over N7 for every session.")
    rewrite = ("In a mobile core, handling of sessions sits with one network function, the SMF, which is in charge "
               "of a lot: it controls PDU sessions, allocates UE IP addresses, selects the UPF and enforces the "
               "policies it receives from the PCF over N7.")
    # "it controls ... over n7" is copied; the overall ratio stays under 0.8, so only the run rejects it
    assert paraphrase.rejection(ref, rewrite) == "copies 21 words in a row"


def test_facts_pair_numbers_with_their_units():
    found = paraphrase.facts("A 10 ms timer, 10 s later, 10 Mbps, RFC 1918 and OSPF.")
    assert {("number", "10 ms"), ("number", "10 s"), ("number", "10 Mbps"), ("rfc", "1918"),
            ("name", "OSPF")} == set(found)


def test_build_is_cached_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_CACHE_DIR", str(tmp_path))
    calls = []

    def rewrite(prompts):
        calls.append(len(prompts))
        return [GOOD if REF in p else "Rewritten answer: " + p.rsplit("\n", 1)[-1] for p in prompts]

    ids, refs = ["a", "b"], [REF, "OSPF is a link-state protocol that floods LSAs."]
    first = paraphrase.build(ids, refs, "fake-model", rewrite)
    assert first["a"] == {"text": GOOD, "rejected": ""}
    assert first["b"]["rejected"].startswith("near-verbatim")  # the label is stripped, the copy rejected
    assert paraphrase.accepted(first) == {"a": GOOD}
    assert paraphrase.build(ids, refs, "fake-model", rewrite) == first and calls == [2]  # cached: no new call
    path = paraphrase.cache_file("fake-model", refs)
    stored = path.read_text()
    path.write_text(stored.replace('"b"', '"gone"'))  # as if interrupted before "b"
    paraphrase.build(ids, refs, "fake-model", rewrite)
    assert calls == [2, 1]


def test_answers_made_from_a_paraphrase_keep_their_meaning():
    src = synthesis.Source("q1", "How does TCP set up a connection?", REF, "g", paraphrase=GOOD)
    others = [synthesis.Source("q2", "What is OSPF?", "OSPF is a link-state IGP that floods LSAs.", "g")]
    vocab = corruptions.names_in([REF, others[0].reference])
    rng = random.Random(0)
    goods = {synthesis.make("good", src, others, vocab, rng).text for _ in range(40)}
    assert goods == {REF, GOOD}  # mostly the paraphrase, sometimes the copy
    made = [synthesis.make("wrong", src, others, vocab, rng) for _ in range(40)]
    assert {"handshake" in c.text for c in made} == {True, False}  # made from both texts (REF's word, not GOOD's)
    for c in made:
        assert c.changes and c.text not in (REF, GOOD)
        assert all(change.old in REF for change in c.changes)  # "where the reference says X" is true


def test_load_examples_uses_the_cached_paraphrases(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_CACHE_DIR", str(tmp_path))
    cfg = DataConfig(source_domain="telecom", paraphrase_model="fake-model", max_train_samples=60)
    rows, _, _ = data.source_rows(cfg)
    first = rows[0]
    # a "paraphrase" for the first row only: the reference's sentences in reverse, which keeps its facts
    parts = synthesis.sentences(first.reference)
    flipped = " ".join(reversed(parts)) + " " + "That is how it works in practice, in short."
    monkeypatch.setattr(paraphrase, "_model_rewriter",
                        lambda model: lambda prompts: [flipped if first.reference in p else "" for p in prompts])
    built = paraphrase.build([r.id for r in rows], [r.reference for r in rows], "fake-model")
    assert paraphrase.accepted(built).keys() <= {first.id}
    attached = data.with_paraphrases(rows, "fake-model")
    assert attached[0].paraphrase == (flipped if first.id in paraphrase.accepted(built) else "")
    assert [r.paraphrase for r in attached[1:]] == [""] * (len(rows) - 1)
    assert data.with_paraphrases(rows, "") == rows
