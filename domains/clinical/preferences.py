"""Preference pairs for DPO: the reference summary is chosen; each rejected summary is the reference with one
labelled fault, and says what it changed:

  omission  key facts dropped (every sentence stating them goes)            changes: {"omitted": [fact ids]}
  invented  a fact the record lacks: a drug never given, a wrong dose or lab value, a diagnosis never made
                                                                            changes: {"type", "fact", "from", "to"}
  leak      the patient's name, MRN and/or date of birth written in          changes: {"leaked": [kinds], "text"}
  verbose   every fact kept, but sections shuffled, headings dropped or kept, filler and repeated sentences
                                                                            changes: {"shuffled", "headings",
                                                                                      "filler", "repeated"}

The mix is `PreferenceConfig`'s; kinds are dealt out in exact proportion over a split (largest remainder), then
shuffled with its seed. tests/unit/test_clinical_preferences.py checks with the metrics, not the labels, that each
rejected summary differs from its record in the way its label says."""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass

from domains.clinical.conditions import BY_CODE, COMORBIDITIES, PRIMARY
from domains.clinical.facts import Admission, key_labs, lab_values, med_courses
from domains.clinical.people import MONTHS
from domains.clinical.summary import Item, Summary, build, dose
from domains.clinical.vocab_drugs import DRUGS
from domains.clinical.vocab_labs import LAB_BY_NAME, fmt_dose, fmt_value

KINDS = ("omission", "invented", "leak", "verbose")
INVENTED_TYPES = ("drug", "dose", "lab_value", "diagnosis")
FILLER = ("The patient was seen and examined daily by the primary team.",
          "The plan of care was discussed at length with the patient and the family.",
          "Multiple members of the care team were involved throughout the admission.",
          "Please refer to the daily progress notes in the chart for further details.",
          "Overall, the hospital stay was notable for several issues as outlined in this summary.",
          "Nursing staff monitored the patient closely throughout the stay.")
REPEAT_PREFIX = ("As noted above, ", "Again, ", "To reiterate, ")


@dataclass
class PreferenceConfig:
    """How many rejected summaries each admission gets and of which kinds (weights, not counts; 0 = none)."""

    omission: float = 1.0
    invented: float = 1.0
    leak: float = 1.0
    verbose: float = 1.0
    pairs_per_admission: int = 1
    seed: int = 0
    max_omitted: int = 3  # an omission drops 1..max_omitted key facts

    def weights(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in KINDS}

    def fingerprint(self) -> str:
        return "-".join(f"{k}{v:g}" for k, v in asdict(self).items())


def deal_kinds(cfg: PreferenceConfig, n_admissions: int, split: str) -> list[list[str]]:
    """The kinds of each admission's rejected summaries: the split's total in exact proportion to the weights."""
    total = n_admissions * cfg.pairs_per_admission
    w = cfg.weights()
    if total and (sum(w.values()) <= 0 or min(w.values()) < 0):
        raise ValueError(f"preference weights must be >= 0 with a positive sum, got {w}")
    raw = {k: total * v / sum(w.values()) for k, v in w.items()} if total else {}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[:total - sum(counts.values())]:
        counts[k] += 1
    kinds = [k for k in KINDS for _ in range(counts.get(k, 0))]
    random.Random(f"kinds:{cfg.seed}:{split}").shuffle(kinds)
    step = cfg.pairs_per_admission
    return [kinds[i * step:(i + 1) * step] for i in range(n_admissions)]


def _drop(s: Summary, facts: set[str]) -> tuple[Summary, set[str]]:
    """`s` without every item stating one of `facts`, and the facts thereby lost."""
    out = s.copy()
    for sec in out.sections:
        sec.items = [i for i in sec.items if not i.facts & facts]
    return out, s.facts() - out.facts()


def omission(adm: Admission, s: Summary, rng: random.Random, cfg: PreferenceConfig) -> tuple[str, dict]:
    candidates = sorted(s.facts())
    targets = set(rng.sample(candidates, rng.randint(1, min(cfg.max_omitted, len(candidates)))))
    out, lost = _drop(s, targets)
    return out.text(), {"omitted": sorted(lost)}


def _replace_in(s: Summary, fact: str, old: str, new: str) -> Summary:
    """`s` with every `old` of the item stating `fact` written as `new` (all of them: a drug switched from IV to PO
    at the same dose names it twice). A whole number only: '5 mg' never matches inside '2.5 mg'."""
    pattern = re.compile(rf"(?<![\d.,]){re.escape(old)}(?![\d])")
    out = s.copy()
    for sec in out.sections:
        sec.items = [Item(pattern.sub(new, i.text), i.facts) if fact in i.facts else i for i in sec.items]
    return out


def _invent_drug(adm, s, rng):
    given = set(med_courses(adm))
    new = rng.choice([d for d in DRUGS if d.name not in given])
    reg = rng.choice(new.regimens)
    text = f"Started {new.name} {fmt_dose(reg.doses[0])} {new.unit} {reg.route} {reg.freq}."
    out = s.copy()
    next(sec for sec in out.sections if sec.heading == "Medications").items.insert(
        rng.randint(0, 1), Item(text, frozenset({f"med:{new.name}"})))
    return out, {"type": "drug", "fact": f"drug:{new.name}", "from": "", "to": text}


def _invent_dose(adm, s, rng):
    courses = [c for c in med_courses(adm).values() if c.final]
    if not courses:
        return None
    c = rng.choice(courses)
    given = {o.dose for o in c.orders}
    spec = next(d for d in DRUGS if d.name == c.drug)
    options = sorted({d for r in spec.regimens for d in r.doses} - given) or [c.final.dose * 2]
    wrong = rng.choice(options)
    old = dose(c.final)
    new = f"{fmt_dose(wrong)} {spec.unit}"
    return (_replace_in(s, f"med:{c.drug}", old, new),
            {"type": "dose", "fact": f"dose:{c.drug}", "from": old, "to": new})


def _invent_lab(adm, s, rng):
    name, value = rng.choice(key_labs(adm))
    spec = LAB_BY_NAME[name]
    recorded = lab_values(adm)[name]
    for _ in range(20):  # a value no measurement had, in the condition's direction, written as the record writes
        wrong = round(value * rng.choice((1.5, 1.8, 2.2)) if value > spec.hi else value * rng.choice((0.6, 0.7)),
                      spec.decimals)
        if all(abs(wrong - v) > 0.5 * 10 ** -spec.decimals for v in recorded):
            break
    old, new = fmt_value(spec, value), fmt_value(spec, wrong)
    return (_replace_in(s, f"lab:{name}", old, new),
            {"type": "lab_value", "fact": f"value:{name}", "from": old, "to": new})


def _invent_diagnosis(adm, s, rng):
    have = {e.code for e in adm.events if e.kind == "DX"}
    families = {f for code in have for f in BY_CODE[code].families}
    options = [c for c in (*COMORBIDITIES, *PRIMARY) if c.code not in have and not set(c.families) & families]
    cond = rng.choice(options)
    out = s.copy()
    dx = next(sec for sec in out.sections if sec.heading == "Diagnoses")
    dx.items.append(Item(f"{cond.names[0]} ({cond.code})", frozenset({f"dx:{cond.code}"})))
    return out, {"type": "diagnosis", "fact": f"dx:{cond.code}", "from": "", "to": cond.names[0]}


def invented(adm: Admission, s: Summary, rng: random.Random, cfg: PreferenceConfig) -> tuple[str, dict]:
    makers = {"drug": _invent_drug, "dose": _invent_dose, "lab_value": _invent_lab, "diagnosis": _invent_diagnosis}
    for kind in rng.sample(INVENTED_TYPES, len(INVENTED_TYPES)):
        made = makers[kind](adm, s, rng)
        if made:
            return made[0].text(), made[1]
    raise AssertionError("no invention applies")  # unreachable: every admission has drugs and diagnoses


def leak(adm: Admission, s: Summary, rng: random.Random, cfg: PreferenceConfig) -> tuple[str, dict]:
    p = adm.identity
    kinds = sorted(rng.sample(("name", "mrn", "dob"), rng.randint(1, 3)), key=("name", "mrn", "dob").index)
    title = {"F": rng.choice(("Ms.", "Mrs.")), "M": "Mr."}[p.sex]
    name = rng.choice((f"{p.first} {p.last}", f"{title} {p.last}", f"{p.last}, {p.first}"))
    mrn = rng.choice((f"MRN {p.mrn}", f"MRN: {p.mrn}", f"medical record number {p.mrn}",
                      f"MRN #{p.mrn[:4]}-{p.mrn[4:]}"))
    d = p.dob
    dob = rng.choice((f"DOB {d.month:02d}/{d.day:02d}/{d.year}", f"DOB: {d.isoformat()}",
                      f"born {MONTHS[d.month - 1]} {d.day}, {d.year}", f"date of birth {d.day} {MONTHS[d.month - 1]}"
                                                                             f" {d.year}"))
    parts = {"name": name, "mrn": mrn, "dob": dob}
    text = "Patient: " + ", ".join(parts[k] for k in kinds) + "."
    out = s.copy()
    out.sections[0].items.insert(0, Item(text))
    return out.text(), {"leaked": kinds, "text": text}


def verbose(adm: Admission, s: Summary, rng: random.Random, cfg: PreferenceConfig) -> tuple[str, dict]:
    out = s.copy()
    prose = [sec for sec in out.sections if sec.joiner == " "]  # the diagnoses list stays a list
    stating = [i for sec in prose for i in sec.items if i.facts]
    repeated = rng.sample(stating, min(len(stating), rng.randint(1, 2)))
    sections = list(out.sections)
    while [x.heading for x in sections] == [x.heading for x in s.sections]:
        rng.shuffle(sections)
    for item in repeated:
        prefix = rng.choice(REPEAT_PREFIX)
        text = prefix + (item.text[0].lower() + item.text[1:] if item.text[1:2].islower() else item.text)
        rng.choice(prose).items.append(Item(text, item.facts))
    filler = rng.sample(FILLER, rng.randint(2, 4))
    for f in filler:
        rng.choice(prose).items.insert(0, Item(f))
    headings = rng.random() < 0.5
    text = Summary(sections, s.title).text(headings=headings)
    return text, {"shuffled": [x.heading for x in sections], "headings": headings, "filler": len(filler),
                  "repeated": sorted(f for i in repeated for f in i.facts)}


MAKERS = {"omission": omission, "invented": invented, "leak": leak, "verbose": verbose}


def rejected(adm: Admission, kind: str, cfg: PreferenceConfig, n: int = 0) -> tuple[str, dict]:
    """The `n`-th rejected summary of `kind` for `adm` (deterministic in the admission, the kind, n and the seed)."""
    rng = random.Random(f"rejected:{cfg.seed}:{adm.id}:{kind}:{n}")
    return MAKERS[kind](adm, build(adm), rng, cfg)


def pairs(adm: Admission, prompt: str, kinds: list[str], cfg: PreferenceConfig) -> list[dict]:
    chosen = build(adm).text()
    rows = []
    for n, kind in enumerate(kinds):
        text, changes = rejected(adm, kind, cfg, n)
        rows.append({"id": f"{adm.id}-{kind}-{n}", "prompt": prompt, "chosen": chosen, "rejected": text,
                     "kind": kind, "changes": changes})
    return rows
