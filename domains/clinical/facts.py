"""One admission as data, and the facts a discharge summary is held to, derived from it.

The generator makes an `Admission`; record.py writes it as the model's input and parses that text back into an
equal `Admission`, so everything the metrics know about a record comes from the record text itself (a
user-supplied record is scored the same way as a generated one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domains.clinical.conditions import BY_CODE, COMPLICATION_BY_CODE, PRIMARY_BY_CODE, KeyLab
from domains.clinical.people import Identity
from domains.clinical.vocab_labs import lab


@dataclass(frozen=True)
class MedOrder:
    drug: str
    dose: float
    route: str
    freq: str


@dataclass(frozen=True)
class Event:
    """kind: HOME MED | VITALS | LAB | DX | MED START | MED CHANGE | MED STOP | PROCEDURE | CONSULT."""

    time: datetime
    kind: str
    med: MedOrder | None = None  # HOME MED, MED START, MED CHANGE (the new order)
    old: MedOrder | None = None  # MED CHANGE: the order it replaces
    drug: str = ""  # MED STOP
    labs: tuple[tuple[str, float], ...] = ()  # LAB: (lab, value) in the order written
    code: str = ""  # DX
    role: str = ""  # DX: primary | comorbidity | complication
    name: str = ""  # PROCEDURE (a vocab_clinical procedure), CONSULT (a service)
    detail: str = ""  # PROCEDURE: e.g. "2 units"; free text, never a fact
    vitals: tuple[tuple[str, str], ...] = ()  # VITALS: (name, value as written)


@dataclass(frozen=True)
class Admission:
    id: str
    identity: Identity
    age: int
    admit: datetime
    discharge: datetime
    source: str  # where the patient came from: emergency department, clinic referral
    reason: str  # chief complaint
    events: tuple[Event, ...]
    disposition: str  # a vocab_clinical.DISPOSITION_KEYS key
    instructions: tuple[str, ...] = ()

    @property
    def primary(self) -> str:
        """The primary diagnosis's ICD-10-CM code."""
        return next(e.code for e in self.events if e.kind == "DX" and e.role == "primary")

    @property
    def category(self) -> str:
        return BY_CODE[self.primary].category

    def day(self, t: datetime) -> int:
        """Hospital day of `t`: the admission's calendar day is day 1."""
        return (t.date() - self.admit.date()).days + 1

    @property
    def length_of_stay(self) -> int:
        return (self.discharge.date() - self.admit.date()).days


@dataclass
class MedCourse:
    """What happened to one drug over the stay. status: continued (a home drug unchanged), changed (a home drug
    whose order changed), stopped (a home drug stopped), started (new and active at discharge), inpatient (new and
    stopped, or a single dose, before discharge)."""

    drug: str
    status: str
    first: MedOrder  # the home order, or the first order given
    final: MedOrder | None  # the order at discharge (None when not active)
    orders: list[MedOrder] = field(default_factory=list)  # every order of it, in time order
    changed_on: int = 0  # hospital day of the last change


def med_courses(adm: Admission) -> dict[str, MedCourse]:
    """Every drug of the record, in order of first appearance, with its course over the stay."""
    courses: dict[str, MedCourse] = {}
    active: dict[str, MedOrder] = {}
    home: set[str] = set()
    for e in adm.events:
        if e.kind in ("HOME MED", "MED START"):
            courses.setdefault(e.med.drug, MedCourse(e.med.drug, "", e.med, None)).orders.append(e.med)
            active[e.med.drug] = e.med
            if e.kind == "HOME MED":
                home.add(e.med.drug)
            elif e.med.freq == "once":
                active.pop(e.med.drug)  # a single dose is given, not kept
        elif e.kind == "MED CHANGE":
            course = courses[e.med.drug]
            course.orders.append(e.med)
            course.changed_on = adm.day(e.time)
            active[e.med.drug] = e.med
        elif e.kind == "MED STOP":
            active.pop(e.drug, None)
    for drug, course in courses.items():
        course.final = active.get(drug)
        if drug in home:
            course.status = ("stopped" if course.final is None else
                             "continued" if course.final == course.first else "changed")
        else:
            course.status = "started" if course.final is not None else "inpatient"
    return courses


def diagnoses(adm: Admission) -> list[Event]:
    return [e for e in adm.events if e.kind == "DX"]


def lab_values(adm: Admission) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    for e in adm.events:
        for name, value in e.labs:
            values.setdefault(name, []).append(value)
    return values


def key_lab_specs(adm: Admission) -> list[KeyLab]:
    """The key labs of the record's primary condition and complications (the knowledge table's), measured here.
    A code's role picks its entry: AKI as a complication has one key lab (creatinine), as the primary two."""
    measured = lab_values(adm)
    table = {"primary": PRIMARY_BY_CODE, "complication": COMPLICATION_BY_CODE}
    specs = []
    for e in diagnoses(adm):
        if e.role in table:
            specs += [k for k in table[e.role][e.code].key_labs
                      if k.lab in measured and k.lab not in {s.lab for s in specs}]
    return specs


def key_labs(adm: Admission) -> list[tuple[str, float]]:
    """(lab, its most abnormal value) for each key lab: the value a summary must report."""
    measured = lab_values(adm)
    pick = {"high": max, "low": min}
    return [(k.lab, pick[k.direction](measured[k.lab])) for k in key_lab_specs(adm)]


def extreme_day(adm: Admission, lab_name: str, value: float) -> int:
    return next(adm.day(e.time) for e in adm.events for n, v in e.labs if n == lab_name and v == value)


def procedures(adm: Admission) -> list[Event]:
    return [e for e in adm.events if e.kind == "PROCEDURE"]


def consults(adm: Admission) -> list[Event]:
    return [e for e in adm.events if e.kind == "CONSULT"]


def condition_of(adm: Admission):
    """The knowledge-table entry of the primary diagnosis."""
    return PRIMARY_BY_CODE[adm.primary]


def is_flagged(lab_name: str, value: float, direction: str) -> bool:
    spec = lab(lab_name)
    return value > spec.hi if direction == "high" else value < spec.lo
