"""Each sentence of a summary linked to the record lines that support it, through the metrics' own fact matching
(matching.claims, metrics.stated_facts): a sentence is *supported* when every fact it states is in the record
(and is then linked to the lines holding those facts), *unsupported* when it states at least one fact the record
does not hold, and states *no fact* otherwise (a heading, an instruction, the age). A sentence that repeats the
record's chief complaint or one of its discharge instructions is linked to that line too, without counting as a
fact. Identifiers (metrics.leaks) are reported per sentence as well.

Record lines are numbered as the record is written (record.py): 1 PATIENT, 2 ADMISSION, 3.. the events in
order, the last DISCHARGE."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domains.clinical.conditions import BY_CODE
from domains.clinical.facts import Admission, Event
from domains.clinical.matching import claims, clause_spans
from domains.clinical.metrics import RecordFacts, _base_dose, _close, leaks, stated_facts
from domains.clinical.summary import SECTION_ORDER

ADMISSION_LINE = 2
FIRST_EVENT_LINE = 3


@dataclass
class Sentence:
    start: int  # character span in the summary
    end: int
    text: str
    supported: list[str] = field(default_factory=list)  # fact ids the record holds (metrics.stated_facts' ids)
    unsupported: list[str] = field(default_factory=list)  # fact ids it does not
    lines: list[int] = field(default_factory=list)  # record lines (1-based) holding the supported facts
    context: list[str] = field(default_factory=list)  # "chief complaint" / "instructions": text found verbatim
    leaked: dict[str, int] = field(default_factory=dict)  # identifier kind -> count (metrics.leaks)

    @property
    def status(self) -> str:
        """"unsupported", "supported" (facts, all in the record) or "none" (no fact stated)."""
        return "unsupported" if self.unsupported else "supported" if self.supported else "none"


def _event_matches(fact: str, e: Event) -> bool:
    kind, _, rest = fact.partition(":")
    orders = [o for o in (e.med, e.old) if o is not None]
    if kind == "drug":
        return any(o.drug == rest for o in orders) or e.drug == rest
    if kind == "dose":
        drug, _, dose = rest.partition("=")
        return any(o.drug == drug and "{1:g} {0}".format(*_base_dose(drug, o.dose)) == dose for o in orders)
    if kind == "lab":
        return any(name == rest for name, _ in e.labs)
    if kind == "value":
        lab, _, value = rest.partition("=")
        return any(name == lab and _close(lab, v, float(value)) for name, v in e.labs)
    if kind == "dx":
        return e.kind == "DX" and e.code == rest
    if kind == "family":
        return e.kind == "DX" and rest in BY_CODE[e.code].families
    if kind == "proc":
        return e.kind == "PROCEDURE" and e.name == rest
    return False


def fact_lines(fact: str, adm: Admission) -> list[int]:
    """The record lines holding `fact` (an id of metrics.stated_facts); a disposition is the DISCHARGE line."""
    if fact.startswith("dispo:"):
        return [FIRST_EVENT_LINE + len(adm.events)] if fact == f"dispo:{adm.disposition}" else []
    return [FIRST_EVENT_LINE + i for i, e in enumerate(adm.events) if _event_matches(fact, e)]


_HEADING = re.compile(r"^\s*(?:" + "|".join(re.escape(h) for h in SECTION_ORDER) + r")\s*:", re.IGNORECASE)


def _norm(text: str) -> str:
    return " ".join(_HEADING.sub("", text).lower().strip().rstrip(".").split())


def _context(text: str, adm: Admission) -> list[tuple[str, int]]:
    found = []
    if adm.reason and _norm(adm.reason) in _norm(text):
        found.append(("chief complaint", ADMISSION_LINE))
    if _norm(text) and any(_norm(text) == _norm(s) for s in adm.instructions):
        found.append(("instructions", FIRST_EVENT_LINE + len(adm.events)))
    return found


def unscored_categories(adm: Admission) -> list[str]:
    """Recall categories the record holds no required fact of (no PROCEDURE line, no key lab of its condition):
    metrics.score_one divides by each category's count, so such a record cannot be scored."""
    return [cat for cat, facts in RecordFacts.of(adm).required.items() if not facts]


def link(summary: str, adm: Admission) -> list[Sentence]:
    """The summary's sentences and list entries (matching.clause_spans), each with its evidence in `adm`."""
    rf = RecordFacts.of(adm)
    out = []
    for a, b in clause_spans(summary):
        text = summary[a:b]
        supported, unsupported = stated_facts(rf, claims(text))
        valued = {f.partition(":")[2].partition("=")[0] for f in supported if f.startswith("value:")}
        # a lab with a value stated is linked to that value's lines, not to every measurement of it
        lines = sorted({n for f in supported if not (f.startswith("lab:") and f[4:] in valued)
                        for n in fact_lines(f, adm)})
        context = _context(text, adm)
        lines = sorted({*lines, *(n for _, n in context)})
        out.append(Sentence(a, b, text, supported, unsupported, lines, [c for c, _ in context],
                            {k: v for k, v in leaks(text, adm).items() if v}))
    return out
