"""Synthetic patients: names drawn from lists of given names and surnames of many origins (combined at random, so a
name is nobody's in particular), 8-digit MRNs, dates of birth, and every way the project writes a date or an MRN.
The leak metric and the redaction filter both read these, so what one writes the other recognises.

No name here is a vocabulary term or a word of the reference summaries, so finding one in a summary means an
identifier leaked, not that a word was used (tests/unit/test_clinical_generator.py checks both)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

FEMALE = ("Amara", "Beatriz", "Catalina", "Dagny", "Esperanza", "Fenna", "Greta", "Hanako", "Ingrid", "Jovana",
          "Kalinda", "Liesel", "Marisol", "Nadia", "Oksana", "Priya", "Rosalind", "Solveig", "Tamsin", "Ulrike",
          "Valentina", "Wilhelmina", "Ximena", "Yasmin", "Zofia", "Annika", "Brigitte", "Cosima", "Delphine",
          "Eleonora")
MALE = ("Anders", "Bartosz", "Cyprian", "Dmitri", "Emeka", "Florian", "Gunnar", "Hamish", "Ignatius", "Joaquin",
        "Kwame", "Leopold", "Mateo", "Niklas", "Osvaldo", "Piotr", "Quentin", "Rafferty", "Sebastian", "Tobias",
        "Ulrich", "Vikram", "Wendell", "Xavier", "Yusuf", "Zoltan", "Anselm", "Benedikt", "Casimir", "Dorian")
SURNAMES = ("Abernathy", "Bergstrom", "Castellano", "Dragomir", "Eriksen", "Fairweather", "Gallagher", "Halvorsen",
            "Ibekwe", "Jablonski", "Kowalczyk", "Lindqvist", "Montgomery", "Nakamura", "Okonkwo", "Petrakis",
            "Quintero", "Rasmussen", "Szymanski", "Thorvaldsen", "Umarov", "Vasquez", "Wojcik", "Yamamoto",
            "Zielinski", "Achterberg", "Brannigan", "Castaneda", "Delacroix", "Esterhuizen", "Fitzgerald",
            "Grimaldi", "Hakobyan", "Iwasaki", "Jankowski", "Kristiansen", "Lombardi", "Marchetti", "Nieminen",
            "Oyelaran")
FIRST_NAMES = FEMALE + MALE

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Identity:
    first: str
    last: str
    sex: str  # "F" | "M"
    mrn: str  # 8 digits
    dob: date


def make_identity(rng: random.Random, sex: str, mrn: str, dob: date) -> Identity:
    return Identity(rng.choice(FEMALE if sex == "F" else MALE), rng.choice(SURNAMES), sex, mrn, dob)


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def date_variants(d: date) -> list[str]:
    """Every way a date is written in this project: the record's ISO form and the ones a summary or a leaked header
    might use (US numeric with and without zero padding, day-first, month names)."""
    month = MONTHS[d.month - 1]
    return [d.isoformat(), f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.month}/{d.day}/{d.year}",
            f"{d.month:02d}-{d.day:02d}-{d.year}", f"{d.day:02d}.{d.month:02d}.{d.year}",
            f"{month} {d.day}, {d.year}", f"{month[:3]} {d.day}, {d.year}", f"{d.day} {month} {d.year}",
            f"{d.day} {month[:3]} {d.year}"]


def date_pattern(d: date) -> re.Pattern:
    """Finds `d` in any of date_variants' forms (case-insensitive, any zero padding, any spacing)."""
    m, dd, y = d.month, d.day, d.year
    month = MONTHS[m - 1]
    num = rf"0?{m}[/-]0?{dd}[/-]{y}|{y}-0?{m}-0?{dd}|0?{dd}\.0?{m}\.{y}"
    named = rf"{month[:3]}(?:{month[3:]})?\.?\s+0?{dd},?\s+{y}|0?{dd}\s+{month[:3]}(?:{month[3:]})?\.?,?\s+{y}"
    return re.compile(rf"(?<![\d/.-])(?:{num}|{named})(?![\d])", re.IGNORECASE)


def mrn_pattern(mrn: str) -> re.Pattern:
    """The MRN's digits in order, alone or split by spaces or hyphens ('4821-3377', '4821 3377')."""
    return re.compile(r"(?<!\d)" + r"[\s-]?".join(mrn) + r"(?!\d)")


def name_pattern(name: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", re.IGNORECASE)
