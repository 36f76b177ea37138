"""The record as the model reads it, after NOTE: one admission's events serialised in time order, one event a line,
under a header with the patient's identifiers (which the summary must not repeat). Events are timed by hospital
day and clock (D1 is the admission's calendar day): calendar dates appear only in the header and the discharge
line, which keeps a record short and the summary's "hospital day N" a reading, not a date sum. `parse` reads the
text back into the `Admission` it was written from; a line it cannot read is a RecordError naming the line, so a
user-supplied record fails with `file:line: record: line N: problem` before anything trains on it.

    PATIENT Name: Lindqvist, Amara | MRN: 48213377 | DOB: 1956-03-14 | Sex: F | Age: 67
    ADMISSION 2024-03-05 14:20 | Source: emergency department | Chief complaint: chest pain
    D1 14:20 HOME MED lisinopril 10 mg PO daily
    D1 14:30 VITALS HR 98, BP 152/88, RR 18, T 37.1 C, SpO2 96%
    D1 14:55 LAB troponin I 0.82 ng/mL (H); WBC 8.1 K/uL; sodium 139 mmol/L
    D1 15:40 DX I21.4 Non-ST elevation (NSTEMI) myocardial infarction (primary)
    D1 16:10 MED START aspirin 81 mg PO daily
    D2 10:20 PROCEDURE coronary angiography
    D2 12:00 CONSULT cardiology
    D3 08:30 MED CHANGE metoprolol tartrate 25 mg PO BID -> 50 mg PO BID
    D3 09:00 MED STOP enoxaparin
    DISCHARGE 2024-03-09 11:00 | Disposition: home | Instructions: Attend cardiac rehabilitation. ...
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from domains.clinical.conditions import BY_CODE
from domains.clinical.facts import Admission, Event, MedOrder
from domains.clinical.people import Identity
from domains.clinical.vocab_clinical import CONSULTS, DISPOSITION_RECORD, PROCEDURES
from domains.clinical.vocab_drugs import DRUG_BY_NAME
from domains.clinical.vocab_labs import LAB_BY_NAME, flag, fmt_dose, fmt_value

TIME = "%Y-%m-%d %H:%M"
ROLES = ("primary", "comorbidity", "complication")
PROCEDURE_NAMES = {p.name for p in PROCEDURES}


class RecordError(ValueError):
    """A record line that does not parse; the message starts with `line N:`."""


def describe(code: str) -> str:
    from domains.clinical.icd import describe as icd_describe  # the code list loads only where records are written

    return icd_describe(code)


def _regimen(m: MedOrder) -> str:
    return f"{fmt_dose(m.dose)} {DRUG_BY_NAME[m.drug].unit} {m.route} {m.freq}"


def _order(m: MedOrder) -> str:
    return f"{m.drug} {_regimen(m)}"


def _lab(name: str, value: float) -> str:
    spec = LAB_BY_NAME[name]
    f = flag(spec, value)
    return f"{name} {fmt_value(spec, value)}{' ' + spec.unit if spec.unit else ''}{f' ({f})' if f else ''}"


def event_line(e: Event, adm: Admission) -> str:
    body = {
        "HOME MED": lambda: _order(e.med),
        "MED START": lambda: _order(e.med),
        "MED CHANGE": lambda: f"{_order(e.old)} -> {_regimen(e.med)}",
        "MED STOP": lambda: e.drug,
        "LAB": lambda: "; ".join(_lab(n, v) for n, v in e.labs),
        "VITALS": lambda: ", ".join(f"{n} {v}" for n, v in e.vitals),
        "DX": lambda: f"{e.code} {describe(e.code)} ({e.role})",
        "PROCEDURE": lambda: e.name + (f" ({e.detail})" if e.detail else ""),
        "CONSULT": lambda: e.name,
    }[e.kind]()
    return f"D{adm.day(e.time)} {e.time:%H:%M} {e.kind} {body}"


def render(adm: Admission) -> str:
    p = adm.identity
    lines = [f"PATIENT Name: {p.last}, {p.first} | MRN: {p.mrn} | DOB: {p.dob.isoformat()} | Sex: {p.sex} | "
             f"Age: {adm.age}",
             f"ADMISSION {adm.admit.strftime(TIME)} | Source: {adm.source} | Chief complaint: {adm.reason}"]
    lines += [event_line(e, adm) for e in adm.events]
    lines.append(f"DISCHARGE {adm.discharge.strftime(TIME)} | Disposition: {DISPOSITION_RECORD[adm.disposition]} | "
                 f"Instructions: {' '.join(adm.instructions)}")
    return "\n".join(lines)


# ---- parsing -------------------------------------------------------------------------------------------------

_HEADER = re.compile(r"PATIENT Name: (?P<last>[^,|]+), (?P<first>[^|]+?) \| MRN: (?P<mrn>\d{6,10}) \| "
                     r"DOB: (?P<dob>\d{4}-\d{2}-\d{2}) \| Sex: (?P<sex>[FM]) \| Age: (?P<age>\d{1,3})$")
_ADMISSION = re.compile(r"ADMISSION (?P<t>\d{4}-\d{2}-\d{2} \d{2}:\d{2}) \| Source: (?P<source>[^|]+) \| "
                        r"Chief complaint: (?P<reason>.+)$")
_DISCHARGE = re.compile(r"DISCHARGE (?P<t>\d{4}-\d{2}-\d{2} \d{2}:\d{2}) \| Disposition: (?P<dispo>[^|]+) \| "
                        r"Instructions: (?P<instr>.*)$")
_EVENT = re.compile(r"D(?P<day>\d{1,2}) (?P<t>\d{2}:\d{2}) (?P<kind>HOME MED|MED START|MED CHANGE|MED STOP|LAB|"
                    r"VITALS|DX|PROCEDURE|CONSULT) (?P<body>.+)$")
_ORDER = re.compile(r"(?P<drug>.+?) (?P<dose>\d+(?:\.\d+)?) (?P<unit>\S+) (?P<route>\S+) (?P<freq>.+)$")
_LAB = re.compile(r"(?P<name>.+?) (?P<value>-?\d+(?:\.\d+)?)(?: (?P<unit>\S+(?: FEU)?))?(?: \((?P<flag>[HL])\))?$")
_DX = re.compile(r"(?P<code>[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?) (?P<desc>.+) \((?P<role>primary|comorbidity|"
                 r"complication)\)$")
_SENTENCE_END = re.compile(r"(?<=\.)\s+(?=[A-Z])")


def _time(text: str, n: int) -> datetime:
    try:
        return datetime.strptime(text, TIME)
    except ValueError:
        raise RecordError(f"line {n}: '{text}' is not a YYYY-MM-DD HH:MM time") from None


def _parse_order(text: str, n: int) -> MedOrder:
    m = _ORDER.match(text)
    if not m:
        raise RecordError(f"line {n}: '{text}' is not 'drug dose unit route frequency'")
    name = m["drug"]
    if name not in DRUG_BY_NAME:
        raise RecordError(f"line {n}: unknown drug '{name}'")
    if m["unit"] != DRUG_BY_NAME[name].unit:
        raise RecordError(f"line {n}: {name} is dosed in {DRUG_BY_NAME[name].unit}, not {m['unit']}")
    return MedOrder(name, float(m["dose"]), m["route"], m["freq"])


def _parse_labs(text: str, n: int) -> tuple[tuple[str, float], ...]:
    out = []
    for part in text.split("; "):
        m = _LAB.match(part)
        if not m or m["name"] not in LAB_BY_NAME:
            raise RecordError(f"line {n}: unknown lab result '{part}'")
        spec = LAB_BY_NAME[m["name"]]
        if (m["unit"] or "") != spec.unit:
            raise RecordError(f"line {n}: {spec.name} is in {spec.unit or 'no unit'}, not {m['unit'] or 'none'}")
        out.append((spec.name, float(m["value"])))
    return tuple(out)


def _clock(admit: datetime, day: int, clock: str, n: int) -> datetime:
    try:
        hour, minute = (int(x) for x in clock.split(":"))
        return datetime.combine(admit.date() + timedelta(days=day - 1), datetime.min.time()).replace(
            hour=hour, minute=minute)
    except ValueError:
        raise RecordError(f"line {n}: 'D{day} {clock}' is not a hospital day and HH:MM time") from None


def _parse_event(line: str, n: int, admit: datetime) -> Event:
    m = _EVENT.match(line)
    if not m:
        raise RecordError(f"line {n}: not an event line ('D<day> HH:MM KIND ...'): '{line[:60]}'")
    t, kind, body = _clock(admit, int(m["day"]), m["t"], n), m["kind"], m["body"]
    if kind in ("HOME MED", "MED START"):
        return Event(t, kind, med=_parse_order(body, n))
    if kind == "MED CHANGE":
        old, sep, new = body.partition(" -> ")
        if not sep:
            raise RecordError(f"line {n}: MED CHANGE needs 'old order -> new dose unit route frequency'")
        old_order = _parse_order(old, n)
        return Event(t, kind, old=old_order, med=_parse_order(f"{old_order.drug} {new}", n))
    if kind == "MED STOP":
        if body not in DRUG_BY_NAME:
            raise RecordError(f"line {n}: unknown drug '{body}'")
        return Event(t, kind, drug=body)
    if kind == "LAB":
        return Event(t, kind, labs=_parse_labs(body, n))
    if kind == "VITALS":
        return Event(t, kind, vitals=tuple(tuple(v.split(" ", 1)) for v in body.split(", ")))
    if kind == "DX":
        d = _DX.match(body)
        if not d or d["code"] not in BY_CODE:
            raise RecordError(f"line {n}: unknown diagnosis '{body[:60]}' (codes: the knowledge table's)")
        return Event(t, kind, code=d["code"], role=d["role"])
    if kind == "PROCEDURE":
        name, _, detail = body.partition(" (")
        if name not in PROCEDURE_NAMES:
            raise RecordError(f"line {n}: unknown procedure '{name}'")
        return Event(t, kind, name=name, detail=detail.rstrip(")"))
    if body not in CONSULTS:
        raise RecordError(f"line {n}: unknown consult service '{body}'")
    return Event(t, kind, name=body)


def parse(text: str, id: str = "") -> Admission:
    lines = text.strip("\n").split("\n")
    if len(lines) < 3:
        raise RecordError(f"line {len(lines)}: a record needs PATIENT, ADMISSION, events and DISCHARGE lines")
    head, adm_line, dis_line = _HEADER.match(lines[0]), _ADMISSION.match(lines[1]), _DISCHARGE.match(lines[-1])
    if not head:
        raise RecordError("line 1: expected 'PATIENT Name: Last, First | MRN: ... | DOB: YYYY-MM-DD | Sex: F|M | "
                          "Age: N'")
    if not adm_line:
        raise RecordError("line 2: expected 'ADMISSION YYYY-MM-DD HH:MM | Source: ... | Chief complaint: ...'")
    if not dis_line:
        raise RecordError(f"line {len(lines)}: expected 'DISCHARGE YYYY-MM-DD HH:MM | Disposition: ... | "
                          "Instructions: ...'")
    dispo = {v: k for k, v in DISPOSITION_RECORD.items()}.get(dis_line["dispo"])
    if dispo is None:
        raise RecordError(f"line {len(lines)}: unknown disposition '{dis_line['dispo']}' (one of "
                          f"{', '.join(DISPOSITION_RECORD.values())})")
    try:
        dob = date.fromisoformat(head["dob"])
    except ValueError:
        raise RecordError(f"line 1: '{head['dob']}' is not a date") from None
    admit = _time(adm_line["t"], 2)
    events = tuple(_parse_event(line, i, admit) for i, line in enumerate(lines[2:-1], start=3))
    if not any(e.kind == "DX" and e.role == "primary" for e in events):
        raise RecordError(f"line {len(lines)}: the record has no primary diagnosis (a DX ... (primary) line)")
    for i, (a, b) in enumerate(zip(events, events[1:], strict=False), start=4):
        if b.time < a.time:
            raise RecordError(f"line {i}: events are not in time order")
    instr = tuple(s for s in _SENTENCE_END.split(dis_line["instr"].strip()) if s)
    return Admission(id=id, identity=Identity(head["first"], head["last"], head["sex"], head["mrn"], dob),
                     age=int(head["age"]), admit=admit, discharge=_time(dis_line["t"], len(lines)),
                     source=adm_line["source"], reason=adm_line["reason"], events=events, disposition=dispo,
                     instructions=instr)
