"""The clinical generator: determinism by seed, disjoint splits, records that parse back to what was generated, and
clinical coherence (doses from the table's regimens and inside its ranges, key labs abnormal in the condition's
direction, events in time order, medication events that follow the drug's state, holds honoured)."""

import re

import pytest

from domains.clinical import people
from domains.clinical.conditions import BY_CODE, COMORBIDITIES, COMPLICATIONS, PRIMARY
from domains.clinical.facts import diagnoses, is_flagged, key_lab_specs, key_labs, med_courses, procedures
from domains.clinical.generator import generate_split
from domains.clinical.matching import mentions
from domains.clinical.record import parse, render
from domains.clinical.summary import build
from domains.clinical.vocab_drugs import DRUG_BY_NAME
from domains.clinical.vocab_labs import LAB_BY_NAME

N = 150


@pytest.fixture(scope="module")
def admissions():
    return generate_split(0, "train", N)


def test_same_seed_same_admissions_other_seed_other_ones(admissions):
    again = generate_split(0, "train", N)
    assert [render(a) for a in again] == [render(a) for a in admissions]
    other = generate_split(1, "train", N)
    assert sum(render(a) == render(b) for a, b in zip(admissions, other, strict=True)) == 0


def test_splits_are_disjoint_and_mrns_unique(admissions):
    test = generate_split(0, "test", N)
    ids = [a.id for a in admissions + test]
    mrns = [a.identity.mrn for a in admissions + test]
    assert len(set(ids)) == len(ids) and len(set(mrns)) == len(mrns)
    assert all(re.fullmatch(r"\d{8}", m) for m in mrns)


def test_record_parses_back_to_the_admission(admissions):
    for a in admissions:
        assert parse(render(a), a.id) == a


def test_every_knowledge_table_code_is_a_billable_icd10cm_code_and_records_use_its_description(admissions):
    import simple_icd_10_cm as cm

    for c in (*PRIMARY, *COMORBIDITIES, *COMPLICATIONS):
        assert cm.is_valid_item(c.code) and cm.is_leaf(c.code), c.code
    # the home regimens are ones a patient keeps taking (no single doses)
    for c in (*PRIMARY, *COMORBIDITIES):
        for name, route in c.home:
            assert all(r.freq != "once" for r in DRUG_BY_NAME[name].regimens if r.route == route), name
    line = next(line for line in render(admissions[0]).splitlines() if " DX " in line)
    code = line.split(" DX ")[1].split()[0]
    assert cm.get_description(code) in line


def test_doses_come_from_the_table_and_lie_in_its_range(admissions):
    checked = 0
    for a in admissions:
        for e in a.events:
            for order in (e.med, e.old):
                if order is None:
                    continue
                spec = DRUG_BY_NAME[order.drug]
                assert spec.lo <= order.dose <= spec.hi, (a.id, order)
                assert any(r.route == order.route and r.freq == order.freq and order.dose in r.doses
                           for r in spec.regimens), (a.id, order)
                checked += 1
    assert checked > N * 4


def test_key_labs_are_abnormal_in_the_conditions_direction(admissions):
    for a in admissions:
        specs = key_lab_specs(a)
        assert specs, a.id
        for spec, (name, value) in zip(specs, key_labs(a), strict=True):
            assert is_flagged(name, value, spec.direction), (a.id, name, value, spec.direction)
            line = next(x for x in render(a).splitlines() if f"{name} {value:.{LAB_BY_NAME[name].decimals}f}" in x)
            assert line.split(name)[1].split(";")[0].endswith("(H)" if spec.direction == "high" else "(L)")


def test_events_are_in_time_order_within_the_stay(admissions):
    for a in admissions:
        times = [e.time for e in a.events]
        assert times == sorted(times)
        assert a.admit <= times[0] and times[-1] <= a.discharge
        assert a.age == people.age_on(a.identity.dob, a.admit.date())


def test_medication_events_follow_each_drugs_state(admissions):
    for a in admissions:
        active = {}
        for e in a.events:
            if e.kind in ("HOME MED", "MED START"):
                assert e.med.drug not in active, (a.id, e)
                if e.med.freq != "once":
                    active[e.med.drug] = e.med
            elif e.kind == "MED CHANGE":
                assert active.get(e.med.drug) == e.old and e.old != e.med, (a.id, e)
                active[e.med.drug] = e.med
            elif e.kind == "MED STOP":
                assert active.pop(e.drug, None) is not None, (a.id, e)
        courses = med_courses(a)
        assert {d for d, c in courses.items() if c.final} == set(active)
        held = {d for e in diagnoses(a) if e.role != "comorbidity" for d in BY_CODE[e.code].holds}  # AKI: same
        assert not held & set(active), a.id


def test_every_admission_has_the_facts_a_summary_is_held_to(admissions):
    roles = {e.role for a in admissions for e in diagnoses(a)}
    assert roles == {"primary", "comorbidity", "complication"}
    statuses = {c.status for a in admissions for c in med_courses(a).values()}
    assert statuses == {"started", "changed", "continued", "stopped", "inpatient"}
    for a in admissions:
        assert procedures(a) and med_courses(a) and key_labs(a)
    assert {a.category for a in admissions} == {c.category for c in PRIMARY}


def test_chief_complaints_and_instructions_state_no_vocabulary_fact():
    texts = [c.reason for c in PRIMARY] + [s for c in PRIMARY for s in c.instructions]
    found = {t: [m for m in mentions(t) if m.cat != "vitals"] for t in texts}
    assert {t: m for t, m in found.items() if m} == {}


def test_patient_names_are_no_word_of_the_vocabularies_or_summaries(admissions):
    words = {w.lower() for a in admissions[:40] for w in re.findall(r"[A-Za-z]+", build(a).text())}
    for name in (*people.FIRST_NAMES, *people.SURNAMES):
        assert name.lower() not in words, name
        assert not mentions(name), name
