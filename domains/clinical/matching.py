"""Reading facts out of free text through the generator's own vocabularies: which drugs, labs, diagnoses,
procedures and dispositions a text mentions (any synonym, brand name, abbreviation or ICD-10-CM code), and which
doses and lab values it attaches to them.

- Text is split into word tokens; hyphens, slashes and spaces between words are all one separator, so
  "amoxicillin-clavulanate", "amoxicillin/clavulanate" and "amoxicillin clavulanate" are one name. At each token
  the longest vocabulary form wins ("potassium chloride" is a drug, not the lab "potassium"). Forms of three
  letters or fewer ("Na", "Mg", "PE", "AF") match only as written or in capitals, so "mg" is never magnesium.
- A number belongs to the nearest drug or lab mention before it in the same clause (up to the next mention,
  ";", a sentence end or a line break). A dose is a number with a dose unit ("40 mg", "40mg", "1 g" = 1000 mg,
  "5,000 units"); a lab value is a number with that lab's unit (or its aliases) or with none. Numbers that count
  days, years or weeks ("hospital day 2", "67-year-old", "in 2 weeks") are not values.
Negation is not read: "no pneumonia" states pneumonia. The reference summaries never negate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domains.clinical.conditions import BY_CODE
from domains.clinical.vocab_clinical import DISPOSITION_KEYS, DISPOSITIONS, FAMILIES, PROCEDURES, VITALS_WORDS
from domains.clinical.vocab_drugs import DRUGS
from domains.clinical.vocab_labs import DOSE_UNITS, LAB_BY_NAME, LAB_UNIT_ALIASES, LABS

_TOKEN = re.compile(r"[A-Za-z0-9µ](?:[A-Za-z0-9µ'’+%]|\.(?=[A-Za-z0-9]))*")
FACT_CATEGORIES = ("drug", "lab", "dx", "family", "proc", "dispo")


def tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def _key(words: list[str]) -> str:
    return " ".join(words).replace("’", "'")


def _surface_forms() -> list[tuple[str, str, str]]:
    """(form, category, concept key) for every vocabulary entry."""
    forms = [(f, "drug", d.name) for d in DRUGS for f in (d.name, *d.synonyms)]
    forms += [(f, "lab", lab.name) for lab in LABS for f in (lab.name, *lab.synonyms)]
    forms += [(f, "dx", code) for code, c in BY_CODE.items() for f in (*c.names, code)]
    forms += [(f, "family", fam) for fam, fs in FAMILIES.items() for f in fs]
    forms += [(f, "proc", p.name) for p in PROCEDURES for f in (p.name, *p.synonyms)]
    forms += [(f, "dispo", key) for key, t in zip(DISPOSITION_KEYS, DISPOSITIONS, strict=True)
              for f in (t.name, *t.synonyms)]
    forms += [(f, "vitals", f) for f in VITALS_WORDS]
    return forms


def _is_exact(form: str) -> bool:
    """Short forms and codes match as written (or in capitals): 'Mg' is magnesium, 'mg' a unit."""
    letters = sum(ch.isalpha() for ch in form)
    return letters <= 3 or bool(re.fullmatch(r"[A-Z]\d[0-9A-Z](\.[0-9A-Z]+)?", form))


def _build_index():
    exact: dict[str, tuple[str, str]] = {}
    folded: dict[str, tuple[str, str]] = {}
    for form, cat, key in _surface_forms():
        words = _key([m.group() for m in tokens(form)])
        for table, k in ((exact, words), (exact, words.upper())) if _is_exact(form) else ((folded, words.lower()),):
            if table.get(k, (cat, key)) != (cat, key):
                raise ValueError(f"vocabulary form '{form}' means both {table[k]} and {(cat, key)}")
            table[k] = (cat, key)
    longest = max(len(k.split()) for k in (*exact, *folded))
    return exact, folded, longest


_EXACT, _FOLDED, _LONGEST = _build_index()


@dataclass(frozen=True)
class Mention:
    cat: str  # drug | lab | dx | family | proc | dispo | vitals
    key: str  # drug or lab name, ICD-10-CM code, family, procedure, disposition key
    start: int
    end: int


def mentions(text: str) -> list[Mention]:
    toks = tokens(text)
    found, i = [], 0
    while i < len(toks):
        for n in range(min(_LONGEST, len(toks) - i), 0, -1):
            words = _key([t.group() for t in toks[i:i + n]])
            hit = _EXACT.get(words) or _FOLDED.get(words.lower())
            if hit:
                found.append(Mention(hit[0], hit[1], toks[i].start(), toks[i + n - 1].end()))
                i += n
                break
        else:
            i += 1
    return found


# ---- numbers -------------------------------------------------------------------------------------------------

_LAB_UNITS = {spelling: unit for unit, aliases in LAB_UNIT_ALIASES.items() for spelling in (unit, *aliases)}
_UNIT_SPELLINGS = sorted({*_LAB_UNITS, *DOSE_UNITS}, key=len, reverse=True)
_UNIT = "|".join(re.escape(u).replace(r"\ ", r"\s*") for u in _UNIT_SPELLINGS)
_NUMBER = re.compile(r"(?<![\w.,:/^-])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d:/^]|[.,]\d|-\d)"
                     rf"(?:\s*(?P<unit>{_UNIT})(?![A-Za-z]))?")
_COUNT_BEFORE = re.compile(r"(?:\bday|\bdays|\bHD|\bPOD|\bD|#|\bx|×|\bstage|\bgrade)\s*$", re.IGNORECASE)
_COUNT_AFTER = re.compile(r"\s*-?\s*(?:years?|yrs?|days?|weeks?|months?|hours?|hrs?|minutes?|mins?|times|doses?|"
                          r"tablets?|puffs?|L\b|kg|lbs?|liters?|litres?|am\b|pm\b|units? of)", re.IGNORECASE)
_CLAUSE_END = re.compile(r"\.(?=\s|$)|[;\n]")


@dataclass(frozen=True)
class Number:
    value: float
    unit: str  # as written ("" when none)
    start: int
    end: int

    def dose(self) -> tuple[str, float] | None:
        """(unit family, value in the family's base unit) when the unit is a dose unit."""
        spelled = DOSE_UNITS.get(self.unit) or DOSE_UNITS.get(self.unit.lower())
        return (spelled[0], round(self.value * spelled[1], 9)) if spelled else None

    def lab_unit(self) -> str | None:
        return _LAB_UNITS.get(self.unit) or _LAB_UNITS.get(self.unit.lower()) if self.unit else None


def numbers(text: str, found: list[Mention]) -> list[Number]:
    """Values in `text` outside the mentions (a code like I21.4 or '0.9% saline' holds no value)."""
    blank = list(text)
    for m in found:
        blank[m.start:m.end] = " " * (m.end - m.start)
    blanked = "".join(blank)
    out = []
    for m in _NUMBER.finditer(blanked):
        unit = re.sub(r"\s+", " ", m["unit"] or "")
        if not unit and (_COUNT_BEFORE.search(blanked[max(0, m.start() - 12):m.start()])
                         or _COUNT_AFTER.match(blanked, m.end())):
            continue
        out.append(Number(float(m["num"].replace(",", "")), unit, m.start(), m.end()))
    return out


@dataclass
class Claims:
    """What a text states, through the vocabularies."""

    mentions: list[Mention] = field(default_factory=list)
    doses: dict[str, set[tuple[str, float]]] = field(default_factory=dict)  # drug -> {(unit family, value)}
    lab_values: dict[str, set[float]] = field(default_factory=dict)  # lab -> values stated for it

    def keys(self, cat: str) -> set[str]:
        return {m.key for m in self.mentions if m.cat == cat}


def _lab_value_ok(lab_name: str, n: Number) -> bool:
    if not n.unit:
        return True
    return n.lab_unit() == LAB_BY_NAME[lab_name].unit


def claims(text: str) -> Claims:
    found = mentions(text)
    nums = numbers(text, found)
    ends = [m.start() for m in _CLAUSE_END.finditer(text)]
    out = Claims(found)
    for i, m in enumerate(found):
        if m.cat not in ("drug", "lab"):
            continue
        stop = found[i + 1].start if i + 1 < len(found) else len(text)
        stop = min([stop, *(e for e in ends if e >= m.end)])
        for n in (n for n in nums if m.end <= n.start < stop):
            if m.cat == "drug" and n.dose():
                out.doses.setdefault(m.key, set()).add(n.dose())
            elif m.cat == "lab" and not n.dose() and _lab_value_ok(m.key, n):
                out.lab_values.setdefault(m.key, set()).add(n.value)
    return out


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Sentences and list entries (split at sentence ends, ';' and line breaks), as (start, end)."""
    spans, start = [], 0
    for m in _CLAUSE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]
