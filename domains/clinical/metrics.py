"""Exact faithfulness metrics of a discharge summary against its record (the record text is parsed back into its
facts, record.py; the summary is read through the vocabularies, matching.py):

- fact recall, per category and overall (all of the record's facts pooled): diagnoses (a name, synonym, family
  word or ICD-10-CM code), procedures, medications (the drug by any name, and for a drug still given at discharge
  its discharge dose), key labs (the lab and its most abnormal value), disposition;
- hallucination rate: of the distinct facts the summary states (drugs, doses, labs, lab values, diagnoses,
  procedures, dispositions), the share the record does not hold;
- identifier leak rate: the share of summaries that contain the patient's name (first or last), MRN, date of
  birth or an admission / discharge date, in any of the formats of people.py;
- ROUGE-L against the reference (cookbook.text_metrics), and organisation: length against the reference,
  sections in the reference's order, sentences that only repeat facts already stated;
- seeded bootstrap 95% intervals of every metric over admissions.

`score(predictions, examples)` returns the shape cookbook.recipe.Recipe.score documents, plus "intervals"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from cookbook.text_metrics import mean, rouge_l
from domains.clinical.conditions import BY_CODE
from domains.clinical.facts import Admission, key_labs, lab_values, med_courses, procedures
from domains.clinical.matching import Claims, claims, clause_spans, mentions
from domains.clinical.people import date_pattern, mrn_pattern, name_pattern
from domains.clinical.record import parse
from domains.clinical.summary import SECTION_ORDER
from domains.clinical.vocab_drugs import DRUG_BY_NAME
from domains.clinical.vocab_labs import DOSE_UNITS, LAB_BY_NAME

RECALL_CATEGORIES = ("diagnoses", "procedures", "medications", "labs", "disposition")
LEAK_KINDS = ("name", "mrn", "dob", "date")
METRICS = ("fact_recall", "hallucination_rate", "leak_rate", "rougeL", *(f"recall_{c}" for c in RECALL_CATEGORIES),
           "length_ratio", "sections_in_order", "redundancy")
LOWER_IS_BETTER = ("hallucination_rate", "leak_rate", "redundancy")
BOOTSTRAP_SAMPLES = 1000


def _members(family: str) -> set[str]:
    return {code for code, c in BY_CODE.items() if family in c.families}


def _base_dose(drug: str, dose: float) -> tuple[str, float]:
    family, factor = DOSE_UNITS[DRUG_BY_NAME[drug].unit]
    return family, round(dose * factor, 9)


def _close(lab: str, a: float, b: float) -> bool:
    """Equal at the precision the record writes the lab with ('2.3' is the record's '2.30')."""
    return abs(a - b) <= 0.5 * 10 ** -LAB_BY_NAME[lab].decimals + 1e-9


@dataclass
class RecordFacts:
    """What a summary of this record may state, and what it must."""

    adm: Admission
    codes: set[str] = field(default_factory=set)
    doses: dict[str, set[tuple[str, float]]] = field(default_factory=dict)  # every dose the record gives a drug
    labs: dict[str, list[float]] = field(default_factory=dict)
    procs: set[str] = field(default_factory=set)
    # what a summary must report: category -> [(fact id, key, required dose or value or None)]
    required: dict[str, list[tuple[str, str, object]]] = field(default_factory=dict)

    @classmethod
    def of(cls, adm: Admission) -> RecordFacts:
        f = cls(adm, codes={e.code for e in adm.events if e.kind == "DX"}, labs=lab_values(adm),
                procs={e.name for e in procedures(adm)})
        courses = med_courses(adm)
        for c in courses.values():
            f.doses[c.drug] = {_base_dose(c.drug, o.dose) for o in c.orders}
        f.required = {
            "diagnoses": [(f"dx:{code}", code, None) for code in sorted(f.codes)],
            "procedures": [(f"proc:{p}", p, None) for p in sorted(f.procs)],
            "medications": [(f"med:{c.drug}", c.drug, _base_dose(c.drug, c.final.dose) if c.final else None)
                            for c in courses.values()],
            "labs": [(f"lab:{name}", name, value) for name, value in key_labs(adm)],
            "disposition": [(f"dispo:{adm.disposition}", adm.disposition, None)],
        }
        return f

    def families(self) -> set[str]:
        return {fam for code in self.codes for fam in BY_CODE[code].families}


def found_facts(rf: RecordFacts, c: Claims) -> dict[str, list[str]]:
    """category -> ids of the required facts the summary states."""
    dx, fams = c.keys("dx"), c.keys("family")
    fam_codes = {code for fam in fams for code in _members(fam)}
    checks = {
        "diagnoses": lambda key, _: key in dx or key in fam_codes,
        "procedures": lambda key, _: key in c.keys("proc"),
        "medications": lambda key, need: key in c.keys("drug") and (need is None or need in c.doses.get(key, ())),
        "labs": lambda key, need: any(_close(key, v, need) for v in c.lab_values.get(key, ())),
        "disposition": lambda key, _: key in c.keys("dispo"),
    }
    return {cat: [fid for fid, key, need in facts if checks[cat](key, need)] for cat, facts in rf.required.items()}


def stated_facts(rf: RecordFacts, c: Claims) -> tuple[list[str], list[str]]:
    """(supported, unsupported): the distinct facts the summary states, by whether the record holds them."""
    supported, unsupported = [], []

    def judge(claim: str, ok: bool):
        (supported if ok else unsupported).append(claim)

    for drug in sorted(c.keys("drug")):
        judge(f"drug:{drug}", drug in rf.doses)
        for unit, value in sorted(c.doses.get(drug, ())) if drug in rf.doses else ():
            judge(f"dose:{drug}={value:g} {unit}", (unit, value) in rf.doses[drug])
    for lab in sorted(c.keys("lab")):
        judge(f"lab:{lab}", lab in rf.labs)
        for value in sorted(c.lab_values.get(lab, ())) if lab in rf.labs else ():
            judge(f"value:{lab}={value:g}", any(_close(lab, value, v) for v in rf.labs[lab]))
    for code in sorted(c.keys("dx")):
        judge(f"dx:{code}", code in rf.codes)
    for fam in sorted(c.keys("family")):
        judge(f"family:{fam}", fam in rf.families())
    for proc in sorted(c.keys("proc")):
        judge(f"proc:{proc}", proc in rf.procs)
    for dispo in sorted(c.keys("dispo")):
        judge(f"dispo:{dispo}", dispo == rf.adm.disposition)
    return supported, unsupported


def leaks(text: str, adm: Admission) -> dict[str, int]:
    """How often each kind of identifier of `adm` appears in `text`."""
    p = adm.identity
    found = {"name": sum(len(name_pattern(n).findall(text)) for n in (p.first, p.last)),
             "mrn": len(mrn_pattern(p.mrn).findall(text)),
             "dob": len(date_pattern(p.dob).findall(text)),
             "date": sum(len(date_pattern(d).findall(text)) for d in {adm.admit.date(), adm.discharge.date()})}
    return found


_HEADING = re.compile(r"^\s*(?P<h>" + "|".join(re.escape(h) for h in SECTION_ORDER) + r")\s*:", re.I | re.M)


def sections_in_order(text: str) -> float:
    """The longest run of the reference's section headings found in the reference's order, as a share of all
    of them: 1 for a summary laid out like the reference, lower when sections are missing or shuffled."""
    order = [h.lower() for h in SECTION_ORDER]
    seen = [order.index(m["h"].lower()) for m in _HEADING.finditer(text)]
    best = [1] * len(seen)  # longest increasing subsequence, O(n^2) over at most a handful of headings
    for i in range(len(seen)):
        for j in range(i):
            if seen[j] < seen[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0) / len(SECTION_ORDER)


def redundancy(text: str) -> float:
    """Share of the sentences stating facts whose facts were all stated before (a repeat, not news)."""
    said: set[tuple[str, str]] = set()
    repeats = stating = 0
    for a, b in clause_spans(text):
        facts = {(m.cat, m.key) for m in mentions(text[a:b]) if m.cat != "vitals"}
        if not facts:
            continue
        stating += 1
        repeats += facts <= said
        said |= facts
    return repeats / stating if stating else 0.0


def score_one(prediction: str, adm: Admission, reference: str = "", rouge: bool = True) -> dict:
    """Every metric of one summary, with what it missed, what it invented and what it leaked. `rouge=False`
    skips ROUGE-L (rouge_score's LCS in pure Python is most of the cost) where only the exact metrics matter."""
    rf = RecordFacts.of(adm)
    c = claims(prediction)
    found = found_facts(rf, c)
    supported, unsupported = stated_facts(rf, c)
    leaked = leaks(prediction, adm)
    n_required = sum(len(v) for v in rf.required.values())
    # A recall over no facts does not apply (None: a pasted record without procedures is neither 0 nor 1 there).
    row = {"fact_recall": sum(len(v) for v in found.values()) / n_required if n_required else None,
           "hallucination_rate": len(unsupported) / (len(supported) + len(unsupported)) if supported or unsupported
           else 0.0,
           "leak_rate": float(any(leaked.values())),
           "rougeL": rouge_l(prediction, reference) if reference and rouge else 0.0}
    row.update({f"recall_{cat}": len(found[cat]) / len(rf.required[cat]) if rf.required[cat] else None
                for cat in RECALL_CATEGORIES})
    ref_words = len(reference.split())
    row.update({"length_ratio": len(prediction.split()) / ref_words if ref_words else 0.0,
                "sections_in_order": sections_in_order(prediction), "redundancy": redundancy(prediction)})
    missing = sorted({fid for facts in rf.required.values() for fid, _, _ in facts} - {f for v in found.values()
                                                                                   for f in v})
    row.update({"missing": missing, "unsupported": unsupported, "stated": len(supported) + len(unsupported),
                "leaked": {k: v for k, v in leaked.items() if v}})
    return row


def bootstrap_ci(values, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> list[float]:
    """Percentile 95% interval of the mean, resampling admissions with replacement (seeded: the same scores give
    the same interval)."""
    x = np.asarray([v for v in values if v is not None], dtype=float)  # None: the metric does not apply
    if len(x) == 0:
        return [0.0, 0.0]
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(samples, len(x)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return [float(lo), float(hi)]


def _mean_applicable(values) -> float | None:
    """Mean over the admissions where the metric applies; None where it applies to none."""
    v = [x for x in values if x is not None]
    return mean(v) if v else None


def _summary(rows: list[dict]) -> dict:
    out = {k: _mean_applicable(r[k] for r in rows) for k in METRICS}
    out["n"] = len(rows)
    return out


def score(predictions: list[str], examples, seed: int = 0) -> dict:
    """{"overall": {metric: mean, ..., "n"}, "by_group": {primary diagnosis category: {...}}, "per_example": [...],
    "intervals": {metric: [lo, hi]}} over `examples` (TextExample rows whose prompt is a record)."""
    per = []
    for pred, ex in zip(predictions, examples, strict=True):
        row = score_one(pred, parse(ex.prompt, ex.id), ex.reference)
        row["group"] = ex.group
        per.append(row)
    groups = sorted({r["group"] for r in per})
    return {"overall": _summary(per),
            "by_group": {g: _summary([r for r in per if r["group"] == g]) for g in groups},
            "per_example": per,
            "intervals": {k: bootstrap_ci([r[k] for r in per], seed=seed) for k in METRICS}}
