"""The reference discharge summary, built from an admission's facts with deterministic templates and a little
seeded variation in wording. A summary is kept as sections of items; each item is one sentence (or one list
entry) and knows which facts it states, so the rejected variants of preferences.py can drop, change or repeat
exactly the facts they say they do. It never names the patient, the MRN or a calendar date."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from domains.clinical.conditions import BY_CODE, COMPLICATION_BY_CODE
from domains.clinical.facts import (
    Admission,
    MedOrder,
    consults,
    diagnoses,
    extreme_day,
    key_lab_specs,
    key_labs,
    med_courses,
    procedures,
)
from domains.clinical.vocab_clinical import DISPOSITION_BY_KEY
from domains.clinical.vocab_drugs import DRUG_BY_NAME
from domains.clinical.vocab_labs import LAB_BY_NAME, fmt_dose, fmt_value

TITLE = "Discharge summary"
SECTION_ORDER = ("Admission", "Diagnoses", "Hospital course", "Medications", "Disposition", "Follow-up")


@dataclass(frozen=True)
class Item:
    text: str
    facts: frozenset[str] = frozenset()  # fact ids: dx:<code> med:<drug> lab:<lab> proc:<procedure> dispo:<key>


@dataclass
class Section:
    heading: str
    items: list[Item] = field(default_factory=list)
    joiner: str = " "  # "; " for a list (the diagnoses), " " for sentences

    def body(self) -> str:
        texts = [i.text for i in self.items]
        return "; ".join(texts) + "." if self.joiner == "; " else " ".join(texts)


@dataclass
class Summary:
    sections: list[Section]
    title: str = TITLE

    def text(self, headings: bool = True) -> str:
        lines = [self.title] if self.title else []
        lines += [f"{s.heading}: {s.body()}" if headings else s.body() for s in self.sections if s.items]
        return "\n".join(lines)

    def facts(self) -> set[str]:
        return {f for s in self.sections for i in s.items for f in i.facts}

    def copy(self) -> Summary:
        return Summary([replace(s, items=list(s.items)) for s in self.sections], self.title)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def regimen(order: MedOrder) -> str:
    return f"{fmt_dose(order.dose)} {DRUG_BY_NAME[order.drug].unit} {order.route} {order.freq}"


def dose(order: MedOrder) -> str:
    return f"{fmt_dose(order.dose)} {DRUG_BY_NAME[order.drug].unit}"


def lab_text(name: str, value: float) -> str:
    unit = LAB_BY_NAME[name].unit
    return f"{fmt_value(LAB_BY_NAME[name], value)}{' ' + unit if unit else ''}"


def _admission(adm: Admission, rng: random.Random) -> Section:
    person = {"F": "woman", "M": "man"}[adm.identity.sex]
    source = {"emergency department": rng.choice(("from the emergency department", "via the emergency department")),
              "clinic referral": "on referral from clinic"}[adm.source]
    verb = rng.choice(("admitted {src} with", "presented {src} with"))
    los = adm.length_of_stay
    return Section("Admission", [Item(f"{adm.age}-year-old {person} {verb.format(src=source)} {adm.reason}."),
                                 Item(f"Length of stay: {los} day{'s' if los != 1 else ''}.")])


def _diagnoses(adm: Admission, rng: random.Random) -> Section:
    items = []
    order = {"primary": 0, "complication": 1, "comorbidity": 2}
    for e in sorted(diagnoses(adm), key=lambda e: order[e.role]):
        cond = BY_CODE[e.code]
        name = rng.choice(cond.names[:2])
        note = {"primary": ", primary diagnosis", "complication": ", developed during the stay",
                "comorbidity": ""}[e.role]
        items.append(Item(f"{name} ({e.code}){note}", frozenset({f"dx:{e.code}"})))
    return Section("Diagnoses", items, "; ")


def _course(adm: Admission, rng: random.Random) -> Section:
    timed: list[tuple] = []
    complication_labs = {k.lab for e in diagnoses(adm) if e.role == "complication"
                         for k in COMPLICATION_BY_CODE[e.code].key_labs}
    directions = {k.lab: k.direction for k in key_lab_specs(adm)}
    for name, value in key_labs(adm):
        day = extreme_day(adm, name, value)
        t = next(e.time for e in adm.events for n, v in e.labs if n == name and v == value)
        shown, val = cap(name), lab_text(name, value)
        if name in complication_labs:
            verb = "rose" if directions[name] == "high" else "fell"
            text = f"On hospital day {day}, {name} {verb} to {val}."
        elif directions[name] == "high":
            text = rng.choice((f"{shown} peaked at {val} on hospital day {day}.",
                               f"{shown} reached {val} on hospital day {day}."))
        else:
            text = rng.choice((f"{shown} reached a low of {val} on hospital day {day}.",
                               f"{shown} fell to {val} on hospital day {day}."))
        timed.append((t, Item(text, frozenset({f"lab:{name}"}))))
    for e in procedures(adm):
        detail = f" ({e.detail})" if e.detail else ""
        text = rng.choice((f"Underwent {e.name}{detail} on hospital day {adm.day(e.time)}.",
                           f"{cap(e.name)}{detail} on hospital day {adm.day(e.time)}."))
        timed.append((e.time, Item(text, frozenset({f"proc:{e.name}"}))))
    for e in consults(adm):
        text = rng.choice((f"Seen by {e.name}.", f"{cap(e.name)} was consulted."))
        timed.append((e.time, Item(text)))
    return Section("Hospital course", [item for _, item in sorted(timed, key=lambda x: x[0])])


def _medications(adm: Admission, rng: random.Random) -> Section:
    groups: dict[str, list[Item]] = {k: [] for k in ("started", "changed", "continued", "stopped", "inpatient")}
    for c in med_courses(adm).values():
        fact = frozenset({f"med:{c.drug}"})
        if c.status == "started" and len(c.orders) > 1:
            text = (f"Started {c.drug} {regimen(c.first)}, changed to {regimen(c.final)} on hospital day "
                    f"{c.changed_on}.")
        elif c.status == "started":
            text = rng.choice((f"Started {c.drug} {regimen(c.final)}.", f"New: {c.drug} {regimen(c.final)}."))
        elif c.status == "changed":
            if c.first.route == c.final.route and c.first.freq == c.final.freq:
                verb = "Increased" if c.final.dose > c.first.dose else "Decreased"
                text = f"{verb} {c.drug} from {dose(c.first)} to {dose(c.final)} {c.final.route} {c.final.freq}."
            else:
                text = f"Changed {c.drug} from {regimen(c.first)} to {regimen(c.final)}."
        elif c.status == "continued":
            text = rng.choice((f"Continued {c.drug} {regimen(c.final)}.", f"Continue {c.drug} {regimen(c.final)}."))
        elif c.status == "stopped":
            text = rng.choice((f"Stopped {c.drug}.", f"Held {c.drug}; do not restart until reviewed."))
        elif c.first.freq == "once":
            text = f"Received a single dose of {c.drug} {dose(c.first)} {c.first.route}."
        else:
            text = rng.choice((f"Received {c.drug} {regimen(c.first)} during the stay, stopped before discharge.",
                               f"Given {c.drug} {regimen(c.first)} in hospital, not continued."))
        groups[c.status].append(Item(text, fact))
    return Section("Medications", [i for items in groups.values() for i in items])


def build(adm: Admission) -> Summary:
    """The reference summary of `adm`; its wording varies with the admission's id, never with the caller."""
    rng = random.Random(f"summary:{adm.id}")
    dispo = Section("Disposition", [Item(cap(DISPOSITION_BY_KEY[adm.disposition].name) + ".",
                                         frozenset({f"dispo:{adm.disposition}"}))])
    follow = Section("Follow-up", [Item(s) for s in adm.instructions])
    return Summary([_admission(adm, rng), _diagnoses(adm, rng), _course(adm, rng), _medications(adm, rng), dispo,
                    follow])
