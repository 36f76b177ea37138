"""The lab vocabulary: names, abbreviations, units (with the spellings the metrics accept for each), adult reference
ranges and how many decimals a value is written with. Ranges are common adult reference intervals (they vary by
laboratory; one interval per test is enough for synthetic records). Also the dose units and their conversions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lab:
    name: str  # as records and reference summaries write it
    synonyms: tuple[str, ...]  # abbreviations and other names the metrics accept
    unit: str  # "" for a ratio (INR)
    lo: float  # reference interval
    hi: float
    decimals: int  # values are written and compared at this precision


def _l(name, synonyms, unit, lo, hi, decimals):
    return Lab(name, tuple(synonyms), unit, lo, hi, decimals)


LABS: tuple[Lab, ...] = (
    _l("troponin I", ["troponin", "TnI", "cTnI", "troponin-I"], "ng/mL", 0.0, 0.04, 2),
    _l("BNP", ["B-type natriuretic peptide", "brain natriuretic peptide"], "pg/mL", 0, 100, 0),
    _l("WBC", ["white blood cell count", "white blood cells", "white count", "leukocyte count"], "K/uL",
       4.0, 11.0, 1),
    _l("hemoglobin", ["Hgb", "Hb", "haemoglobin"], "g/dL", 12.0, 17.0, 1),
    _l("platelets", ["platelet count", "PLT"], "K/uL", 150, 400, 0),
    _l("sodium", ["Na", "serum sodium"], "mmol/L", 135, 145, 0),
    _l("potassium", ["K+", "serum potassium"], "mmol/L", 3.5, 5.0, 1),
    _l("bicarbonate", ["HCO3", "bicarb", "serum bicarbonate", "total CO2"], "mmol/L", 22, 29, 0),
    _l("creatinine", ["Cr", "serum creatinine", "creat"], "mg/dL", 0.6, 1.2, 1),
    _l("BUN", ["blood urea nitrogen", "urea nitrogen"], "mg/dL", 7, 20, 0),
    _l("glucose", ["blood glucose", "serum glucose", "blood sugar"], "mg/dL", 70, 140, 0),
    _l("hemoglobin A1c", ["HbA1c", "A1c", "glycated hemoglobin"], "%", 4.0, 5.6, 1),
    _l("anion gap", ["AG"], "mmol/L", 8, 16, 0),
    _l("beta-hydroxybutyrate", ["BHB", "beta-hydroxybutyric acid"], "mmol/L", 0.0, 0.4, 1),
    _l("lactate", ["lactic acid", "serum lactate"], "mmol/L", 0.5, 2.0, 1),
    _l("procalcitonin", ["PCT"], "ng/mL", 0.0, 0.1, 2),
    _l("CRP", ["C-reactive protein"], "mg/L", 0, 10, 0),
    _l("lipase", ["serum lipase"], "U/L", 10, 60, 0),
    _l("alkaline phosphatase", ["ALP", "alk phos"], "U/L", 40, 130, 0),
    _l("total bilirubin", ["bilirubin", "T bili", "Tbili"], "mg/dL", 0.2, 1.2, 1),
    _l("AST", ["aspartate aminotransferase", "SGOT"], "U/L", 10, 40, 0),
    _l("ALT", ["alanine aminotransferase", "SGPT"], "U/L", 7, 56, 0),
    _l("D-dimer", ["D dimer", "d-dimer"], "ug/mL FEU", 0.0, 0.5, 2),
    _l("magnesium", ["Mg", "serum magnesium"], "mg/dL", 1.7, 2.2, 1),
    _l("PaCO2", ["pCO2", "arterial pCO2", "partial pressure of carbon dioxide"], "mmHg", 35, 45, 0),
    _l("TSH", ["thyroid-stimulating hormone", "thyrotropin"], "mIU/L", 0.4, 4.0, 2),
    _l("LDL cholesterol", ["LDL", "low-density lipoprotein"], "mg/dL", 0, 100, 0),
    _l("INR", ["international normalized ratio"], "", 0.8, 1.2, 1),
)

LAB_BY_NAME: dict[str, Lab] = {lab.name: lab for lab in LABS}

# Each lab unit and the other spellings of the same quantity at the same scale (a number needs no conversion).
LAB_UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "ng/mL": ("ng/ml",),
    "pg/mL": ("pg/ml",),
    "K/uL": ("K/µL", "x10^3/uL", "10^3/uL", "x10^9/L", "10^9/L", "10*3/uL", "thousand/uL"),
    "g/dL": ("g/dl",),
    "mmol/L": ("mmol/l", "mEq/L", "meq/L", "mEq/l"),
    "mg/dL": ("mg/dl",),
    "%": ("percent",),
    "U/L": ("IU/L", "units/L", "u/L"),
    "mg/L": ("mg/l",),
    "ug/mL FEU": ("µg/mL FEU", "mcg/mL FEU", "ug/mL", "µg/mL", "mcg/mL", "mg/L FEU"),
    "mmHg": ("mm Hg",),
    "mIU/L": ("uIU/mL", "µIU/mL", "mIU/l", "microIU/mL"),
}

# Dose units: spelling -> (canonical unit family, factor to the family's base). Mass doses compare in mg, so
# "1 g" of ceftriaxone is the record's 1 g and "1000 mg" too.
DOSE_UNITS: dict[str, tuple[str, float]] = {
    "mg": ("mg", 1.0), "milligram": ("mg", 1.0), "milligrams": ("mg", 1.0),
    "g": ("mg", 1000.0), "gm": ("mg", 1000.0), "gram": ("mg", 1000.0), "grams": ("mg", 1000.0),
    "mcg": ("mg", 0.001), "µg": ("mg", 0.001), "ug": ("mg", 0.001), "microgram": ("mg", 0.001),
    "micrograms": ("mg", 0.001),
    "units/h": ("units/h", 1.0), "units/hr": ("units/h", 1.0), "units/hour": ("units/h", 1.0),
    "units per hour": ("units/h", 1.0), "u/h": ("units/h", 1.0),
    "units": ("units", 1.0), "unit": ("units", 1.0), "IU": ("units", 1.0),
    "mEq": ("mEq", 1.0), "meq": ("mEq", 1.0), "milliequivalents": ("mEq", 1.0),
    "mL": ("mL", 1.0), "ml": ("mL", 1.0), "milliliters": ("mL", 1.0), "cc": ("mL", 1.0),
}


def lab(name: str) -> Lab:
    return LAB_BY_NAME[name]


def lab_unit_spellings(unit: str) -> tuple[str, ...]:
    return (unit, *LAB_UNIT_ALIASES.get(unit, ())) if unit else ()


def flag(lab_: Lab, value: float) -> str:
    """'H' above the reference interval, 'L' below it, '' inside (as the record writes it)."""
    return "H" if value > lab_.hi else "L" if value < lab_.lo else ""


def fmt_value(lab_: Lab, value: float) -> str:
    return f"{value:.{lab_.decimals}f}"


def fmt_dose(value: float) -> str:
    """12.5 -> '12.5', 40.0 -> '40', 3.125 -> '3.125': doses are written without trailing zeros."""
    return f"{value:g}" if value < 1e6 else f"{value:.0f}"
