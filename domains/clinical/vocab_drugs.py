"""The drug vocabulary: generic names, synonyms and brand names, and the adult regimens the generator may write.

Doses are usual adult doses from standard references (package inserts, common inpatient order sets), hand-checked;
`lo`..`hi` is the range a test holds every generated dose to. Weight-based doses are written as the dose for a
70-80 kg adult, so that every dose in a record is a plain number with a unit. This is a vocabulary for
synthetic records, not prescribing advice."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Regimen:
    doses: tuple[float, ...]  # the doses this route and frequency are written with
    route: str  # PO, IV, SC, inhaled, nebulized
    freq: str  # daily, BID, TID, QID, q6h, q8h, q12h, nightly, once, continuous, q4h PRN, ...


@dataclass(frozen=True)
class Drug:
    name: str  # the generic name records and reference summaries use
    synonyms: tuple[str, ...]  # other generic spellings and brand names: what the metrics also accept
    unit: str  # mg, mcg, g, units, units/h, mEq, mL
    lo: float  # the lowest and highest dose any regimen below may use
    hi: float
    regimens: tuple[Regimen, ...]
    drug_class: str = ""


def _d(name, synonyms, unit, lo, hi, *regimens, drug_class=""):
    return Drug(name, tuple(synonyms), unit, lo, hi, tuple(Regimen(tuple(r[0]), r[1], r[2]) for r in regimens),
                drug_class)


DRUGS: tuple[Drug, ...] = (
    # cardiovascular
    _d("aspirin", ["acetylsalicylic acid", "ASA", "Ecotrin"], "mg", 81, 325, ([81], "PO", "daily"),
       drug_class="antiplatelet"),
    _d("clopidogrel", ["Plavix"], "mg", 75, 600, ([75], "PO", "daily"), drug_class="antiplatelet"),
    _d("atorvastatin", ["Lipitor"], "mg", 10, 80, ([10, 20, 40, 80], "PO", "nightly"), drug_class="statin"),
    _d("metoprolol tartrate", ["metoprolol", "Lopressor"], "mg", 12.5, 100, ([12.5, 25, 50, 100], "PO", "BID"),
       drug_class="beta blocker"),
    _d("carvedilol", ["Coreg"], "mg", 3.125, 25, ([3.125, 6.25, 12.5, 25], "PO", "BID"), drug_class="beta blocker"),
    _d("lisinopril", ["Zestril", "Prinivil"], "mg", 2.5, 40, ([5, 10, 20, 40], "PO", "daily"),
       drug_class="ACE inhibitor"),
    _d("amlodipine", ["Norvasc"], "mg", 2.5, 10, ([2.5, 5, 10], "PO", "daily"), drug_class="calcium channel blocker"),
    _d("furosemide", ["Lasix"], "mg", 20, 80, ([20, 40, 80], "IV", "BID"), ([20, 40], "PO", "daily"),
       drug_class="loop diuretic"),
    _d("spironolactone", ["Aldactone"], "mg", 12.5, 50, ([12.5, 25], "PO", "daily"), drug_class="diuretic"),
    _d("diltiazem", ["Cardizem"], "mg", 30, 120, ([30, 60], "PO", "q6h"), drug_class="calcium channel blocker"),
    _d("apixaban", ["Eliquis"], "mg", 2.5, 10, ([5], "PO", "BID"), ([10], "PO", "BID"),
       drug_class="anticoagulant"),
    _d("enoxaparin", ["Lovenox"], "mg", 30, 120, ([40], "SC", "daily"), ([70, 80], "SC", "q12h"),
       drug_class="anticoagulant"),
    _d("heparin", ["unfractionated heparin", "UFH"], "units", 5000, 5000, ([5000], "SC", "q8h"),
       drug_class="anticoagulant"),
    _d("alteplase", ["tPA", "tissue plasminogen activator", "Activase"], "mg", 50, 90, ([63, 68, 72], "IV", "once"),
       drug_class="thrombolytic"),
    # antimicrobials
    _d("ceftriaxone", ["Rocephin"], "g", 1, 2, ([1, 2], "IV", "daily"), drug_class="cephalosporin"),
    _d("azithromycin", ["Zithromax"], "mg", 250, 500, ([500], "IV", "daily"), ([250, 500], "PO", "daily"),
       drug_class="macrolide"),
    _d("amoxicillin-clavulanate", ["amoxicillin/clavulanate", "amoxicillin-clavulanic acid", "Augmentin"], "mg",
       500, 875, ([875], "PO", "BID"), drug_class="penicillin"),
    _d("piperacillin-tazobactam", ["piperacillin/tazobactam", "Zosyn"], "g", 3.375, 4.5,
       ([3.375, 4.5], "IV", "q8h"), drug_class="penicillin"),
    _d("vancomycin", ["Vancocin"], "mg", 125, 1500, ([125], "PO", "QID"), ([1000, 1250, 1500], "IV", "q12h"),
       drug_class="glycopeptide"),
    _d("cefazolin", ["Ancef"], "g", 1, 2, ([1, 2], "IV", "q8h"), drug_class="cephalosporin"),
    _d("cephalexin", ["Keflex"], "mg", 250, 1000, ([500], "PO", "QID"), drug_class="cephalosporin"),
    _d("ciprofloxacin", ["Cipro"], "mg", 250, 750, ([500], "PO", "BID"), drug_class="fluoroquinolone"),
    _d("metronidazole", ["Flagyl"], "mg", 500, 500, ([500], "IV", "q8h"), ([500], "PO", "TID"),
       drug_class="nitroimidazole"),
    # respiratory and steroids
    _d("prednisone", ["Deltasone"], "mg", 5, 60, ([40], "PO", "daily"), drug_class="corticosteroid"),
    _d("methylprednisolone", ["Solu-Medrol"], "mg", 40, 125, ([40, 60], "IV", "q6h"), ([125], "IV", "once"),
       drug_class="corticosteroid"),
    _d("albuterol", ["salbutamol", "Ventolin", "Proventil"], "mg", 2.5, 5, ([2.5], "nebulized", "q4h"),
       drug_class="bronchodilator"),
    _d("ipratropium", ["Atrovent"], "mg", 0.5, 0.5, ([0.5], "nebulized", "q6h"), drug_class="bronchodilator"),
    _d("tiotropium", ["Spiriva"], "mcg", 18, 18, ([18], "inhaled", "daily"), drug_class="bronchodilator"),
    _d("montelukast", ["Singulair"], "mg", 10, 10, ([10], "PO", "nightly"), drug_class="leukotriene antagonist"),
    # endocrine
    _d("insulin glargine", ["Lantus", "Basaglar"], "units", 8, 40, ([10, 12, 14, 16, 18, 20, 24], "SC", "nightly"),
       drug_class="insulin"),
    _d("insulin lispro", ["Humalog"], "units", 2, 10, ([2, 4, 6], "SC", "TID with meals"), drug_class="insulin"),
    _d("insulin regular", ["regular insulin", "Humulin R", "Novolin R"], "units/h", 4, 10,
       ([6, 7, 8], "IV", "continuous"), drug_class="insulin"),
    _d("metformin", ["Glucophage"], "mg", 500, 1000, ([500, 1000], "PO", "BID"), drug_class="biguanide"),
    _d("levothyroxine", ["Synthroid", "Levoxyl"], "mcg", 25, 150, ([25, 50, 75, 100, 125], "PO", "daily"),
       drug_class="thyroid hormone"),
    # electrolytes and fluids
    _d("potassium chloride", ["KCl", "K-Dur", "Klor-Con"], "mEq", 10, 40, ([20, 40], "PO", "once"),
       drug_class="electrolyte"),
    _d("magnesium sulfate", ["MgSO4"], "g", 1, 2, ([2], "IV", "once"), drug_class="electrolyte"),
    _d("sodium chloride tablets", ["salt tablets", "NaCl tablets"], "g", 1, 1, ([1], "PO", "TID"),
       drug_class="electrolyte"),
    _d("lactated Ringer's", ["lactated Ringer's solution", "Ringer's lactate", "LR"], "mL", 500, 2000,
       ([1000, 2000], "IV", "once"), drug_class="crystalloid"),
    _d("calcium gluconate", ["Ca gluconate"], "g", 1, 3, ([1], "IV", "once"), drug_class="electrolyte"),
    _d("sodium zirconium cyclosilicate", ["Lokelma", "SZC"], "g", 5, 10, ([10], "PO", "TID"),
       drug_class="potassium binder"),
    _d("ferrous sulfate", ["iron sulfate", "FeSO4"], "mg", 325, 325, ([325], "PO", "daily"), drug_class="iron"),
    _d("iron sucrose", ["Venofer"], "mg", 100, 300, ([200], "IV", "once"), drug_class="iron"),
    _d("normal saline", ["0.9% sodium chloride", "0.9% saline", "NS"], "mL", 500, 2000,
       ([500, 1000], "IV", "once"), drug_class="crystalloid"),
    # gastrointestinal, analgesia, withdrawal
    _d("pantoprazole", ["Protonix"], "mg", 40, 80, ([40], "IV", "BID"), ([40], "PO", "BID"), ([40], "PO", "daily"),
       drug_class="proton pump inhibitor"),
    _d("omeprazole", ["Prilosec"], "mg", 20, 40, ([20, 40], "PO", "daily"), drug_class="proton pump inhibitor"),
    _d("ondansetron", ["Zofran"], "mg", 4, 8, ([4], "IV", "q6h PRN"), drug_class="antiemetic"),
    _d("hydromorphone", ["Dilaudid"], "mg", 0.2, 1, ([0.5, 1], "IV", "q4h PRN"), drug_class="opioid"),
    _d("acetaminophen", ["paracetamol", "Tylenol"], "mg", 325, 1000, ([650, 1000], "PO", "q6h PRN"),
       drug_class="analgesic"),
    _d("lorazepam", ["Ativan"], "mg", 0.5, 2, ([1, 2], "IV", "q4h PRN"), ([0.5, 1], "PO", "q8h"),
       drug_class="benzodiazepine"),
    _d("thiamine", ["vitamin B1"], "mg", 100, 500, ([100], "PO", "daily"), ([100], "IV", "daily"),
       drug_class="vitamin"),
    _d("folic acid", ["folate"], "mg", 1, 1, ([1], "PO", "daily"), drug_class="vitamin"),
    _d("sertraline", ["Zoloft"], "mg", 25, 200, ([50, 100], "PO", "daily"), drug_class="SSRI"),
)

DRUG_BY_NAME: dict[str, Drug] = {d.name: d for d in DRUGS}


def drug(name: str) -> Drug:
    return DRUG_BY_NAME[name]


def regimens(name: str, route: str | None = None) -> tuple[Regimen, ...]:
    """The drug's regimens by `route` (all of them when None); KeyError for a route the table has no regimen for,
    so a knowledge-table typo fails at import rather than writing an untabled dose."""
    found = tuple(r for r in drug(name).regimens if route is None or r.route == route)
    if not found:
        raise KeyError(f"{name}: no {route} regimen")
    return found
