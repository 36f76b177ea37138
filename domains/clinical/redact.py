"""The output filter: redacts identifiers from a text before it is shown, and counts what it caught.

It works without the record, by pattern: names after a title or a "Name:" / "Patient:" label and any given name
or surname of the generator's lists; MRNs (labelled, or any 7-10 digit run, with spaces or hyphens); dates in
every format of people.date_variants, a date after "DOB", "born" or "date of birth" counted as a date of birth.
Given the record's `Identity` (and dates) it also redacts those exactly, in any of their formats. What still
gets through is what the leak metric (metrics.leaks) finds in the redacted text: a report counts both."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from domains.clinical.people import FIRST_NAMES, MONTHS, SURNAMES, Identity, date_pattern, mrn_pattern, name_pattern

KINDS = ("name", "mrn", "dob", "date")
TOKENS = {"name": "[NAME]", "mrn": "[MRN]", "dob": "[DOB]", "date": "[DATE]"}

_MONTH = "|".join(f"{m[:3]}(?:{m[3:]})?" for m in MONTHS)
_DATE = re.compile(rf"(?<![\d/.-])(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/-]\d{{1,2}}[/-]\d{{2,4}}|"
                   rf"\d{{1,2}}\.\d{{1,2}}\.\d{{4}}|(?:{_MONTH})\.?\s+\d{{1,2}},?\s+\d{{4}}|"
                   rf"\d{{1,2}}\s+(?:{_MONTH})\.?,?\s+\d{{4}})(?![\d])", re.IGNORECASE)
_DOB_CUE = re.compile(r"(?:\bDOB|\bD\.O\.B\.|\bborn(?:\s+on)?|\bdate\s+of\s+birth|\bbirth\s*date)\W{0,3}$",
                      re.IGNORECASE)
_MRN = re.compile(r"(?:\b(?:MRN|MR#|medical\s+record(?:\s+number)?|record\s+number)\s*[:#]?\s*#?\s*)?"
                  r"(?<![\d.,])\d(?:[\s-]?\d){6,9}(?![\d.,]\d|\d)", re.IGNORECASE)
_CAPWORD = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
_TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+{_CAPWORD}(?:\s+{_CAPWORD})?")
_LABELLED = re.compile(rf"\b(?:[Nn]ame|[Pp]atient)\s*:\s*(?P<n>{_CAPWORD}(?:,?\s+{_CAPWORD})?)")
_LISTED = re.compile(r"\b(?:" + "|".join(sorted({*FIRST_NAMES, *SURNAMES}, key=len, reverse=True)) + r")\b")


@dataclass
class Redaction:
    text: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _sub(r: Redaction, pattern: re.Pattern, kind, group: str | int = 0) -> None:
    """Replace each match's `group` by the kind's token; `kind` may be a function of (text, match)."""
    out, last = [], 0
    for m in pattern.finditer(r.text):
        k = kind(r.text, m) if callable(kind) else kind
        a, b = m.span(group)
        out += [r.text[last:a], TOKENS[k]]
        r.counts[k] += 1
        last = b
    out.append(r.text[last:])
    r.text = "".join(out)


def _date_kind(text: str, m: re.Match) -> str:
    return "dob" if _DOB_CUE.search(text[max(0, m.start() - 24):m.start()]) else "date"


def redact(text: str, identity: Identity | None = None, dates: Iterable[date] = ()) -> Redaction:
    """`text` with identifiers replaced by [NAME] [MRN] [DOB] [DATE], and how many of each were replaced."""
    r = Redaction(text)
    if identity is not None:  # the record's own identifiers first, in every format they may take
        _sub(r, date_pattern(identity.dob), "dob")
        for d in dates:
            _sub(r, date_pattern(d), "date")
        _sub(r, mrn_pattern(identity.mrn), "mrn")
        for name in (identity.first, identity.last):
            _sub(r, name_pattern(name), "name")
    _sub(r, _DATE, _date_kind)  # dates before MRNs: "20240305" style runs are not written, "2024-03-05" is
    _sub(r, _MRN, "mrn")
    _sub(r, _LABELLED, "name", "n")
    _sub(r, _TITLED, "name")
    _sub(r, _LISTED, "name")
    return r
