"""The seeded synthetic EHR: one `Admission` per (seed, split, index), built from the knowledge table
(conditions.py): a primary condition, one to three comorbidities with their home drugs, sometimes a complication,
labs that move in the condition's direction and recover, treatment started / changed / stopped as the condition
dictates, procedures, consults, vitals, a disposition and instructions. Events are in time order."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from domains.clinical.conditions import COMORBIDITY_BY_KEY, COMPLICATION_BY_KEY, PRIMARY, Condition, KeyLab, Rx
from domains.clinical.facts import Admission, Event, MedOrder
from domains.clinical.people import age_on, make_identity
from domains.clinical.vocab_drugs import drug, regimens
from domains.clinical.vocab_labs import lab

AGES = {"dka": (18, 45), "alcohol_withdrawal": (28, 66), "pyelonephritis": (19, 80), "cellulitis": (25, 88)}
DEFAULT_AGES = (45, 93)
# The admission panel, kept short (a record's tokens are mostly digits); a condition's key labs join it.
PANEL = ("WBC", "hemoglobin", "sodium", "potassium", "creatinine", "glucose")
# Procedures done on the first day (imaging, ECG); the rest (endoscopy, angiography, surgery, MRI) on the second.
FIRST_DAY_PROCEDURES = {"chest X-ray", "electrocardiogram", "CT pulmonary angiography", "CT head",
                        "CT abdomen and pelvis", "abdominal ultrasound", "renal ultrasound",
                        "lower extremity venous duplex", "noninvasive positive pressure ventilation",
                        "transfusion of packed red blood cells", "central venous catheter placement"}
ANTICOAGULANTS = {"enoxaparin", "apixaban", "alteplase"}
COMPLICATION_RATE = 0.35
PROPHYLAXIS_RATE = 0.6
FIRST_DATE, LAST_DATE = date(2019, 1, 1), date(2024, 12, 31)


class Timeline:
    """Collects events with their times and keeps each drug's current order, so a change or stop always refers to
    an active order and a start never doubles one."""

    def __init__(self, admit: datetime):
        self.admit = admit
        self.events: list[Event] = []
        self.active: dict[str, MedOrder] = {}

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        """Day 0 is the admission's calendar day; times on day 0 never precede the admission itself."""
        t = datetime.combine(self.admit.date() + timedelta(days=day), datetime.min.time()).replace(
            hour=hour, minute=minute)
        return max(t, self.admit) if day == 0 else t

    def add(self, t: datetime, kind: str, **kw) -> None:
        self.events.append(Event(t, kind, **kw))

    def start(self, t: datetime, order: MedOrder) -> None:
        if order.drug in self.active:
            if self.active[order.drug] != order:
                self.change(t, order)
            return
        self.add(t, "MED START", med=order)
        if order.freq != "once":
            self.active[order.drug] = order

    def change(self, t: datetime, order: MedOrder) -> None:
        self.add(t, "MED CHANGE", med=order, old=self.active[order.drug])
        self.active[order.drug] = order

    def stop(self, t: datetime, name: str) -> None:
        if name in self.active:
            self.add(t, "MED STOP", drug=name)
            del self.active[name]

    def sorted(self) -> tuple[Event, ...]:
        return tuple(sorted(self.events, key=lambda e: e.time))  # stable: same-time events keep their order


def _order(rng: random.Random, name: str, route: str, doses=None) -> MedOrder:
    reg = rng.choice(regimens(name, route))
    return MedOrder(name, rng.choice(doses or reg.doses), reg.route, reg.freq)


def _round(name: str, value: float) -> float:
    return round(value, lab(name).decimals)


def _normal(rng: random.Random, name: str) -> float:
    spec = lab(name)
    return _round(name, rng.uniform(spec.lo + 0.1 * (spec.hi - spec.lo), spec.hi - 0.1 * (spec.hi - spec.lo)))


def _key_series(rng: random.Random, k: KeyLab, days: int) -> list[float]:
    """Daily values of a key lab: reaches its extreme on day 0 or 1, then recovers towards the reference interval
    (staying abnormal in the same direction, as a lab does over a short stay)."""
    spec = lab(k.lab)
    extreme = rng.uniform(k.lo, k.hi)
    edge = spec.hi if k.direction == "high" else spec.lo
    peak_day = rng.choice((0, 1)) if days > 1 else 0
    series = []
    for d in range(days + 1):
        if d < peak_day:
            value = edge + (extreme - edge) * rng.uniform(0.35, 0.7)
        else:
            value = edge + (extreme - edge) * rng.uniform(0.25, 0.55) ** (d - peak_day)
        series.append(_round(k.lab, value))
    series[peak_day] = _round(k.lab, extreme)
    return series


def _comorbidities(rng: random.Random, cond: Condition) -> list[Condition]:
    pool = [c for c in COMORBIDITY_BY_KEY.values() if c.key not in cond.excludes and c.key not in cond.requires]
    chosen = [COMORBIDITY_BY_KEY[k] for k in cond.requires] + rng.sample(pool, rng.randint(1, 3))
    return sorted(chosen, key=lambda c: list(COMORBIDITY_BY_KEY).index(c.key))


def _baseline(rng: random.Random, comorbid: list[Condition], name: str) -> float:
    keys = {c.key for c in comorbid}
    if name == "creatinine" and "ckd3a" in keys:
        return _round(name, rng.uniform(1.3, 1.7))
    if name == "glucose" and keys & {"t2dm"}:
        return _round(name, rng.uniform(150, 230))
    return _normal(rng, name)


def _vitals(rng: random.Random, cond: Condition) -> tuple[tuple[str, str], ...]:
    ranges = {"HR": (68, 96), "SBP": (112, 138), "RR": (14, 19), "T": (36.5, 37.3), "SpO2": (94, 99)}
    ranges.update({name: (lo, hi) for name, lo, hi in cond.vitals})
    v = {name: rng.uniform(lo, hi) for name, (lo, hi) in ranges.items()}
    dbp = v["SBP"] * rng.uniform(0.55, 0.65)
    return (("HR", f"{v['HR']:.0f}"), ("BP", f"{v['SBP']:.0f}/{dbp:.0f}"), ("RR", f"{v['RR']:.0f}"),
            ("T", f"{v['T']:.1f} C"), ("SpO2", f"{v['SpO2']:.0f}%"))


def _treat(rng: random.Random, tl: Timeline, rxs: tuple[Rx, ...], t_first: datetime, los: int) -> None:
    """Start each drug of a plan at `t_first` (or when the drug it follows stops) and give it its course."""
    first_day = (t_first.date() - tl.admit.date()).days
    stopped: dict[str, datetime] = {}
    for rx in rxs:
        if rng.random() >= rx.prob:
            continue
        t_start = stopped[rx.after] + timedelta(minutes=15) if rx.after in stopped else t_first
        day = (t_start.date() - tl.admit.date()).days
        if rx.course == "titrated":
            doses = drug(rx.drug).regimens[0].doses
            order = _order(rng, rx.drug, rx.route, doses[:-1] if len(doses) > 1 else None)
        else:
            order = _order(rng, rx.drug, rx.route)
        tl.start(t_start, order)
        t_first += timedelta(minutes=rng.choice((5, 10, 15)))
        if order.freq == "once" or rx.course == "discharge":
            continue
        end = rng.randint(min(max(day, first_day) + 1, los), los)
        t_end = max(tl.at(end, rng.randint(8, 10), rng.choice((0, 30))), t_start + timedelta(hours=4))
        if rx.course == "inpatient":
            tl.stop(t_end, rx.drug)
            stopped[rx.drug] = t_end
        elif rx.course == "step_down":
            tl.change(t_end, _order(rng, rx.drug, rx.then_route))
        elif rx.course == "titrated" and order.drug in tl.active:
            doses = [d for d in drug(rx.drug).regimens[0].doses if d > tl.active[rx.drug].dose]
            if doses:
                tl.change(t_end, MedOrder(rx.drug, doses[0], order.route, order.freq))


def generate_admission(seed: int, split: str, index: int, mrn: str) -> Admission:
    """The admission `index` of `split` for `seed`: the same arguments always give the same admission."""
    rng = random.Random(f"clinical:{seed}:{split}:{index}")
    cond = rng.choice(PRIMARY)
    sex = rng.choice("FM")
    admit_day = FIRST_DATE + timedelta(days=rng.randint(0, (LAST_DATE - FIRST_DATE).days))
    admit = datetime.combine(admit_day, datetime.min.time()).replace(hour=rng.randint(0, 14),
                                                                       minute=rng.randint(0, 59))
    lo, hi = AGES.get(cond.key, DEFAULT_AGES)
    dob = date(admit_day.year - rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))
    identity = make_identity(rng, sex, mrn, dob)
    los = rng.randint(*cond.stay)
    tl = Timeline(admit)
    comorbid = _comorbidities(rng, cond)

    for c in [*comorbid, cond]:
        if c.home:
            name, route = rng.choice(c.home)
            if name not in tl.active:
                order = _order(rng, name, route)
                tl.add(admit, "HOME MED", med=order)
                tl.active[name] = order
    tl.add(tl.at(0, admit.hour, admit.minute) + timedelta(minutes=10), "VITALS", vitals=_vitals(rng, cond))

    # Labs: the admission panel plus the key labs, then each morning the key labs (and the complication's).
    series = {k.lab: _key_series(rng, k, los) for k in cond.key_labs}
    complication = None
    if cond.complications and los >= 2 and rng.random() < COMPLICATION_RATE:
        complication = COMPLICATION_BY_KEY[rng.choice(cond.complications)]
    comp_day = rng.randint(1, los - 1) if complication else 0
    panel = {name: _baseline(rng, comorbid, name) for name in PANEL}
    panel.update({name: values[0] for name, values in series.items()})
    t_labs = tl.at(0, admit.hour, admit.minute) + timedelta(minutes=rng.randint(25, 55))
    tl.add(t_labs, "LAB", labs=tuple(panel.items()))
    if complication:
        k = complication.key_labs[0]
        edge = lab(k.lab).hi if k.direction == "high" else lab(k.lab).lo
        worst = rng.uniform(k.lo, k.hi)
    for d in range(1, los + 1):
        day_labs = {name: values[d] for name, values in series.items()}
        if complication and d >= comp_day:  # abnormal on its day, then recovering (still outside the interval)
            day_labs[k.lab] = _round(k.lab, edge + (worst - edge) * rng.uniform(0.3, 0.6) ** (d - comp_day))
        if day_labs:
            tl.add(tl.at(d, 6, rng.choice((0, 10, 20, 30))), "LAB", labs=tuple(day_labs.items()))

    t_dx = t_labs + timedelta(minutes=rng.randint(20, 60))
    tl.add(t_dx, "DX", code=cond.code, role="primary")
    for c in comorbid:
        tl.add(t_dx, "DX", code=c.code, role="comorbidity")

    # Treatment: hold the home drugs the condition forbids, then the plan; heparin prophylaxis where nothing else
    # anticoagulates.
    for name in cond.holds:
        tl.stop(t_dx + timedelta(minutes=5), name)
    _treat(rng, tl, cond.treatment, t_dx + timedelta(minutes=rng.randint(15, 60)), los)
    given = {e.med.drug for e in tl.events if e.med}
    if (not ANTICOAGULANTS & given and cond.key not in ("gi_bleed", "ida", "stroke")
            and rng.random() < PROPHYLAXIS_RATE):
        tl.start(max(tl.at(0, 20), t_dx + timedelta(minutes=90)), MedOrder("heparin", 5000, "SC", "q8h"))
        tl.stop(tl.at(los, 8), "heparin")
    if complication:
        t_comp = tl.at(comp_day, rng.randint(8, 11), rng.choice((0, 15, 30, 45)))
        tl.add(t_comp, "DX", code=complication.code, role="complication")
        for name in complication.holds:
            tl.stop(t_comp + timedelta(minutes=10), name)
        _treat(rng, tl, complication.treatment, t_comp + timedelta(minutes=rng.randint(20, 60)), los)

    for i, (name, prob) in enumerate(cond.procedures):
        if i == 0 or rng.random() < prob:
            day = 0 if name in FIRST_DAY_PROCEDURES else min(1, los)
            detail = f"{rng.choice((1, 2))} units" if name == "transfusion of packed red blood cells" else ""
            t = tl.at(day, rng.randint(17, 22) if day == 0 else rng.randint(9, 14), rng.choice((0, 20, 40)))
            if name == "percutaneous coronary intervention":  # only after the angiography that finds the lesion
                angio = [e for e in tl.events if e.name == "coronary angiography"]
                if not angio:
                    continue
                t = angio[0].time + timedelta(minutes=40)
            tl.add(t, "PROCEDURE", name=name, detail=detail)
    for name, prob in cond.consults:
        if rng.random() < prob:
            day = min(rng.randint(0, 1), los)
            tl.add(max(tl.at(day, rng.randint(15, 19) if day == 0 else rng.randint(10, 16), rng.choice((0, 30))),
                       t_dx), "CONSULT", name=name)

    dispo_keys, weights = zip(*cond.dispositions, strict=True)
    disposition = rng.choices(dispo_keys, weights)[0]
    discharge = tl.at(los, rng.randint(11, 16), rng.choice((0, 15, 30, 45)))
    return Admission(id=f"clin-{seed}-{split}-{index:05d}", identity=identity, age=age_on(dob, admit_day),
                     admit=admit, discharge=discharge,
                     source=rng.choices(("emergency department", "clinic referral"), (0.85, 0.15))[0],
                     reason=cond.reason, events=tl.sorted(), disposition=disposition,
                     instructions=cond.instructions)


def generate_split(seed: int, split: str, n: int) -> list[Admission]:
    """`n` admissions with MRNs unique within the split (and, by the split's range, across splits)."""
    rng = random.Random(f"clinical-mrn:{seed}:{split}")
    base = {"train": 10_000_000, "test": 60_000_000}.get(split, 80_000_000)
    mrns = rng.sample(range(base, base + 20_000_000), n)
    return [generate_admission(seed, split, i, str(m)) for i, m in enumerate(mrns)]
