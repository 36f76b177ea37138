"""The redaction filter: it catches the identifiers the generator writes (in the leak summaries and the record
header), leaves clinical text alone, and what it lets through is what the leak metric counts."""

from dataclasses import replace

import pytest

from domains.clinical.generator import generate_split
from domains.clinical.metrics import leaks
from domains.clinical.preferences import PreferenceConfig, rejected
from domains.clinical.record import render
from domains.clinical.redact import redact
from domains.clinical.summary import build


@pytest.fixture(scope="module")
def admissions():
    return generate_split(0, "test", 80)


def test_every_leaked_identifier_is_caught_without_the_record(admissions):
    for a in admissions:
        text, changes = rejected(a, "leak", PreferenceConfig())
        r = redact(text)
        assert sum(leaks(r.text, a).values()) == 0, (a.id, text, r.text)
        for kind in changes["leaked"]:
            assert r.counts[kind] >= 1, (a.id, kind, text)


def test_the_record_header_is_redacted(admissions):
    a = admissions[0]
    header = "\n".join(render(a).splitlines()[:2])
    r = redact(header)
    assert sum(leaks(r.text, a).values()) == 0, r.text
    assert r.counts["name"] >= 1 and r.counts["mrn"] == 1 and r.counts["dob"] == 1 and r.counts["date"] == 1
    assert a.identity.first not in r.text and a.identity.last not in r.text


def test_clinical_text_is_left_alone(admissions):
    for a in admissions:
        text = build(a).text()
        r = redact(text, a.identity, [a.admit.date(), a.discharge.date()])
        assert r.text == text and r.total == 0, a.id


def test_what_gets_through_is_counted_by_the_leak_metric(admissions):
    # a name outside the generator's lists, with no title or label, is beyond the patterns...
    a = replace(admissions[0], identity=replace(admissions[0].identity, first="Zebulon", last="Quackenbush"))
    text = build(a).text() + " Zebulon Quackenbush tolerated the stay well."
    r = redact(text)
    assert r.counts["name"] == 0 and leaks(r.text, a)["name"] == 2
    # ...and the record's own identity, when given, catches it in any case
    r = redact(text, a.identity)
    assert r.counts["name"] == 2 and leaks(r.text, a)["name"] == 0
