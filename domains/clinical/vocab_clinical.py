"""Procedures, dispositions, consult services, diagnosis families and vital-sign words: the rest of the vocabulary
the generator writes and the metrics read. Every surface form maps to one concept (a test checks it), so a
mention in a summary is never ambiguous."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    name: str  # as records and reference summaries write it
    synonyms: tuple[str, ...] = ()


def _t(name, *synonyms):
    return Term(name, tuple(synonyms))


PROCEDURES: tuple[Term, ...] = (
    _t("chest X-ray", "chest radiograph", "CXR", "chest film"),
    _t("electrocardiogram", "ECG", "EKG", "12-lead ECG"),
    _t("transthoracic echocardiogram", "echocardiogram", "TTE", "echocardiography"),
    _t("coronary angiography", "cardiac catheterization", "coronary angiogram", "left heart catheterization"),
    _t("percutaneous coronary intervention", "PCI", "coronary stent placement", "drug-eluting stent placement"),
    _t("CT pulmonary angiography", "CTPA", "CT pulmonary angiogram", "CT angiogram of the chest"),
    _t("lower extremity venous duplex", "lower extremity Doppler", "venous duplex ultrasound",
       "lower extremity duplex"),
    _t("noninvasive positive pressure ventilation", "BiPAP", "NIPPV", "noninvasive ventilation",
       "non-invasive ventilation"),
    _t("CT head", "head CT", "CT of the head", "noncontrast head CT"),
    _t("MRI brain", "brain MRI", "MRI of the brain"),
    _t("carotid ultrasound", "carotid duplex", "carotid Doppler"),
    _t("CT abdomen and pelvis", "CT of the abdomen and pelvis", "CT abdomen/pelvis", "abdominal CT"),
    _t("abdominal ultrasound", "right upper quadrant ultrasound", "RUQ ultrasound", "ultrasound of the abdomen"),
    _t("laparoscopic cholecystectomy", "lap chole", "cholecystectomy"),
    _t("esophagogastroduodenoscopy", "EGD", "upper endoscopy", "upper GI endoscopy"),
    _t("colonoscopy"),
    _t("transfusion of packed red blood cells", "packed red blood cells", "red blood cell transfusion",
       "PRBC transfusion", "PRBC", "PRBCs", "blood transfusion"),
    _t("renal ultrasound", "kidney ultrasound", "renal sonogram", "ultrasound of the kidneys"),
    _t("central venous catheter placement", "central line placement", "central venous catheter", "central line"),
)

# Where the patient goes. The reference writes the first form; the others are how summaries commonly say it.
DISPOSITIONS: tuple[Term, ...] = (
    _t("discharged home", "discharged to home", "home with self-care", "home without services"),
    _t("discharged home with home health services", "home with home health services", "home health services",
       "discharged home with services", "home with services", "home health"),
    _t("discharged to a skilled nursing facility", "skilled nursing facility", "SNF", "nursing facility",
       "subacute rehabilitation"),
    _t("discharged to an inpatient rehabilitation facility", "inpatient rehabilitation facility",
       "inpatient rehabilitation", "acute rehabilitation", "acute rehab", "rehabilitation facility"),
)
DISPOSITION_KEYS = ("home", "home_health", "snf", "rehab")
DISPOSITION_BY_KEY = dict(zip(DISPOSITION_KEYS, DISPOSITIONS, strict=True))
# How the record writes each disposition (the DISCHARGE line), parsed back by record.py.
DISPOSITION_RECORD = {"home": "home", "home_health": "home with home health services",
                      "snf": "skilled nursing facility", "rehab": "inpatient rehabilitation facility"}

CONSULTS = ("cardiology", "pulmonology", "infectious diseases", "gastroenterology", "general surgery",
            "endocrinology", "nephrology", "neurology", "physical therapy", "social work", "nutrition")

# Generic diagnosis words that name a family of conditions ("diabetes" for type 1 and type 2): a mention is
# supported when the record holds any member, and counts towards the recall of each member.
FAMILIES: dict[str, tuple[str, ...]] = {
    "diabetes": ("diabetes", "diabetes mellitus", "DM", "hyperglycemia", "diabetic"),
    "t2dm": ("type 2 diabetes", "type 2 diabetes mellitus", "T2DM", "diabetes mellitus type 2",
             "non-insulin-dependent diabetes"),
    "t1dm": ("type 1 diabetes", "type 1 diabetes mellitus", "T1DM", "diabetes mellitus type 1"),
    "copd": ("COPD", "chronic obstructive pulmonary disease"),
}

# Vital-sign words: not facts, but a number after one belongs to it, not to the drug or lab before it.
VITALS_WORDS = ("HR", "heart rate", "pulse", "BP", "blood pressure", "RR", "respiratory rate", "temperature",
                "Temp", "SpO2", "oxygen saturation", "O2 sat", "weight", "room air")
