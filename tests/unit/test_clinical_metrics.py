"""The clinical metrics: the reference summary is perfect by them (recall 1, hallucination 0, leak 0), and each
normalisation they promise holds (synonyms and brand names, "40mg" = "40 mg", "1 g" = "1000 mg", lab
abbreviations, values at the record's precision, day counts that are not values)."""

import pytest

from cookbook.tasks.text.examples import TextExample
from domains.clinical import metrics
from domains.clinical.facts import key_labs, med_courses
from domains.clinical.generator import generate_split
from domains.clinical.matching import claims, mentions
from domains.clinical.record import render
from domains.clinical.summary import build


@pytest.fixture(scope="module")
def admissions():
    return generate_split(0, "test", 120)


def test_the_reference_summary_is_perfect_by_the_metrics(admissions):
    for a in admissions:
        text = build(a).text()
        row = metrics.score_one(text, a)
        assert (row["fact_recall"], row["hallucination_rate"], row["leak_rate"]) == (1.0, 0.0, 0.0), (
            a.id, row["missing"], row["unsupported"], row["leaked"])
        assert row["sections_in_order"] == 1.0 and row["redundancy"] == 0.0, a.id
        assert all(row[f"recall_{c}"] == 1.0 for c in metrics.RECALL_CATEGORIES)


def test_an_empty_summary_recalls_nothing_and_states_nothing(admissions):
    row = metrics.score_one("", admissions[0])
    assert row["fact_recall"] == 0.0 and row["stated"] == 0 and row["hallucination_rate"] == 0.0


def test_dose_formats_and_units_normalise():
    for text in ("furosemide 40 mg PO daily", "furosemide 40mg daily", "Lasix 40 milligrams", "furosemide 0.04 g"):
        assert claims(text).doses == {"furosemide": {("mg", 40.0)}}, text
    assert claims("ceftriaxone 1 g IV").doses == claims("Rocephin 1000 mg IV").doses == {"ceftriaxone": {("mg", 1000)}}
    assert claims("heparin 5,000 units SC").doses == {"heparin": {("units", 5000.0)}}
    assert claims("levothyroxine 75 mcg").doses == {"levothyroxine": {("mg", 0.075)}}
    both = claims("Increased atorvastatin from 20 mg to 80 mg PO nightly.")
    assert both.doses == {"atorvastatin": {("mg", 20.0), ("mg", 80.0)}}


def test_synonyms_abbreviations_and_brand_names_are_one_concept():
    same = [("amoxicillin-clavulanate", "amoxicillin/clavulanate", "Augmentin"), ("troponin I", "TnI", "cTnI"),
            ("creatinine", "Cr", "serum creatinine"), ("NSTEMI", "I21.4", "non-ST elevation myocardial infarction"),
            ("EGD", "upper endoscopy", "esophagogastroduodenoscopy")]
    for forms in same:
        keys = {(m.cat, m.key) for f in forms for m in mentions(f)}
        assert len(keys) == 1, forms
    # the longest form wins, and short forms are case-sensitive: 'mg' is a unit, 'Mg' magnesium
    assert [m.key for m in mentions("potassium chloride 40 mEq")] == ["potassium chloride"]
    assert [m.key for m in mentions("Mg 1.2")] == ["magnesium"] and mentions("2 mg") == []


def test_lab_values_match_at_the_records_precision_and_counts_are_not_values():
    c = claims("Creatinine rose to 2.4 mg/dL on hospital day 3. Troponin I peaked at 2.3 ng/mL.")
    assert c.lab_values == {"creatinine": {2.4}, "troponin I": {2.3}}
    assert claims("WBC 15.2 x10^9/L, BNP 1,840 pg/mL").lab_values == {"WBC": {15.2}, "BNP": {1840.0}}
    assert metrics._close("troponin I", 2.3, 2.30) and not metrics._close("troponin I", 2.32, 2.30)


def test_invented_drug_wrong_dose_and_wrong_lab_value_are_hallucinations(admissions):
    a = admissions[0]
    text = build(a).text()
    given = set(med_courses(a))
    foreign = next(d for d in ("alteplase", "diltiazem", "montelukast", "sertraline") if d not in given)
    row = metrics.score_one(text + f" Started {foreign} 10 mg PO daily.", a)
    assert row["unsupported"] == [f"drug:{foreign}"] and row["hallucination_rate"] > 0
    lab, value = key_labs(a)[0]
    row = metrics.score_one(text + f" {lab} was {value * 3 + 1:.2f}.", a)
    assert any(u.startswith(f"value:{lab}=") for u in row["unsupported"])


def test_family_words_are_supported_by_any_member():
    dka = next(a for a in generate_split(0, "train", 200) if a.primary == "E10.10")
    row = metrics.score_one("History of diabetes. Type 1 diabetes.", dka)
    assert "family:diabetes" not in row["unsupported"] and "family:t1dm" not in row["unsupported"]
    assert "dx:E10.10" not in row["missing"]
    assert metrics.score_one("type 2 diabetes", dka)["unsupported"] == ["family:t2dm"]


def test_leaks_are_found_in_every_format(admissions):
    a = admissions[0]
    p, d = a.identity, a.identity.dob
    for text, kind in ((p.last.upper(), "name"), (f"{p.mrn[:4]}-{p.mrn[4:]}", "mrn"),
                       (f"{d.month}/{d.day}/{d.year}", "dob"), (a.admit.date().isoformat(), "date")):
        assert metrics.leaks(text, a)[kind] == 1, text


def test_score_has_the_recipe_shape_and_seeded_intervals(admissions):
    rows = admissions[:30]
    examples = [TextExample(id=a.id, prompt=render(a), reference=build(a).text(), group=a.category) for a in rows]
    preds = [e.reference if i % 2 else "" for i, e in enumerate(examples)]
    out = metrics.score(preds, examples)
    assert set(out) == {"overall", "by_group", "per_example", "intervals"}
    assert out["overall"]["n"] == 30 and len(out["per_example"]) == 30
    assert out["overall"]["fact_recall"] == pytest.approx(0.5)
    assert set(out["by_group"]) == {a.category for a in rows}
    lo, hi = out["intervals"]["fact_recall"]
    assert lo < 0.5 < hi and out["intervals"] == metrics.score(preds, examples)["intervals"]
    assert out["per_example"][1]["rougeL"] == pytest.approx(1.0)


def test_a_recall_over_no_facts_does_not_apply_and_is_left_out_of_means_and_intervals(admissions):
    import dataclasses

    from cookbook.intervals import paired_interval

    a = admissions[0]
    no_procedures = dataclasses.replace(a, events=[e for e in a.events if e.kind != "PROCEDURE"])
    row = metrics.score_one(build(no_procedures).text(), no_procedures)
    assert row["recall_procedures"] is None and row["fact_recall"] == 1.0
    rows = [no_procedures, *admissions[1:4]]
    examples = [TextExample(id=x.id, prompt=render(x), reference=build(x).text(), group=x.category) for x in rows]
    out = metrics.score(["", *(e.reference for e in examples[1:])], examples)
    assert out["per_example"][0]["recall_procedures"] is None
    assert out["overall"]["recall_procedures"] == 1.0  # the three admissions with procedures, all recalled
    assert out["intervals"]["recall_procedures"] == [1.0, 1.0]
    assert out["overall"]["recall_diagnoses"] == pytest.approx(0.75)  # applies to all four, the first missed
    assert paired_interval([None, 0.0, 0.5], [1.0, 1.0, 0.5]) == pytest.approx([0.0, 1.0])
