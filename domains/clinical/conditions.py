"""The knowledge table: the conditions an admission is for, the comorbidities patients arrive with and the
complications a stay may bring, each with its ICD-10-CM code (described from the simple_icd_10_cm package, see
icd.py), the labs it makes abnormal and in which direction, the drugs that treat it and how, its procedures,
consults and where patients go afterwards. Hand-written from standard inpatient practice, simplified; each
condition is coherent on its own (a diagnosis comes with its labs, drugs and tests), not a clinical guideline."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = ("cardiovascular", "respiratory", "infectious", "gastrointestinal", "renal_metabolic", "neurologic",
              "hematologic")


@dataclass(frozen=True)
class KeyLab:
    lab: str  # a vocab_labs name
    direction: str  # "high" | "low": where the condition moves it
    lo: float  # the range of its most abnormal value
    hi: float


@dataclass(frozen=True)
class Rx:
    """One drug of a treatment plan. course: `inpatient` (started, stopped before discharge), `discharge`
    (started, continued at discharge), `titrated` (started, dose raised once, continued), `step_down` (started at
    `route`, changed to `then_route` before discharge). `after`: started the day that inpatient drug stops (an IV
    antibiotic's oral follow-on)."""

    drug: str
    route: str
    course: str = "discharge"
    then_route: str = ""
    after: str = ""
    prob: float = 1.0


@dataclass(frozen=True)
class Condition:
    key: str
    code: str  # ICD-10-CM, a billable code of the package's code list
    category: str
    names: tuple[str, ...]  # the first is the reference's name; all of them are what the metrics accept
    reason: str = ""  # chief complaint (no vocabulary words: it is not a diagnosis)
    key_labs: tuple[KeyLab, ...] = ()
    treatment: tuple[Rx, ...] = ()
    procedures: tuple[tuple[str, float], ...] = ()  # (procedure, probability); the first one is always done
    consults: tuple[tuple[str, float], ...] = ()
    holds: tuple[str, ...] = ()  # home drugs stopped because of this condition
    complications: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()  # comorbidities a patient with this condition is not given
    requires: tuple[str, ...] = ()  # comorbidities always present with it
    home: tuple[tuple[str, str], ...] = ()  # home drugs for a comorbidity: (drug, route) alternatives, one chosen
    dispositions: tuple[tuple[str, float], ...] = (("home", 0.7), ("home_health", 0.2), ("snf", 0.1))
    stay: tuple[int, int] = (2, 5)  # length of stay in days
    families: tuple[str, ...] = ()  # vocab_clinical.FAMILIES it belongs to
    instructions: tuple[str, ...] = ()  # discharge instructions (no vocabulary words: a test checks)
    vitals: tuple[tuple[str, float, float], ...] = ()  # admission vitals outside the defaults: (name, lo, hi)


def _c(key, code, category, names, **kw) -> Condition:
    return Condition(key, code, category, tuple(names), **kw)


FEVER = (("T", 38.2, 39.4), ("HR", 100, 124))
# AKI is a primary condition and a complication: one code, one set of names, one concept for the metrics.
AKI_NAMES = ("acute kidney injury", "AKI", "acute kidney failure", "acute renal failure")

PRIMARY: tuple[Condition, ...] = (
    _c("nstemi", "I21.4", "cardiovascular",
       ["NSTEMI", "non-ST elevation myocardial infarction", "non-ST-elevation myocardial infarction"],
       reason="chest pain", key_labs=(KeyLab("troponin I", "high", 0.5, 12.0),),
       treatment=(Rx("aspirin", "PO"), Rx("clopidogrel", "PO"), Rx("atorvastatin", "PO"),
                  Rx("metoprolol tartrate", "PO", "titrated", prob=0.8), Rx("enoxaparin", "SC", "inpatient")),
       procedures=(("electrocardiogram", 1.0), ("coronary angiography", 0.9),
                   ("percutaneous coronary intervention", 0.5)),
       consults=(("cardiology", 1.0),), complications=("aki", "hypokalemia"), excludes=("paf",),
       instructions=("Take the antiplatelet medicines every day and do not stop them unless the heart team says so.",
                     "Attend cardiac rehabilitation.", "Follow up with cardiology in 2 weeks.")),
    _c("hf", "I50.23", "cardiovascular",
       ["acute on chronic systolic heart failure", "heart failure exacerbation", "acute decompensated heart failure",
        "heart failure", "CHF exacerbation", "congestive heart failure"],
       reason="shortness of breath and leg swelling", key_labs=(KeyLab("BNP", "high", 600, 3500),),
       treatment=(Rx("furosemide", "IV", "step_down", then_route="PO"), Rx("carvedilol", "PO", prob=0.7),
                  Rx("spironolactone", "PO", prob=0.5)),
       procedures=(("chest X-ray", 1.0), ("transthoracic echocardiogram", 0.8)),
       consults=(("cardiology", 0.6),), complications=("hypokalemia", "aki", "hyponatremia"),
       dispositions=(("home", 0.5), ("home_health", 0.35), ("snf", 0.15)), stay=(3, 7),
       instructions=("Weigh yourself every morning and call the clinic if your weight rises by more than 1 kg in a "
                     "day.", "Limit salt to 2 g a day and fluids to 1.5 L a day.",
                     "Follow up in the heart clinic in 1 week."),
       vitals=(("SpO2", 88, 93), ("RR", 22, 28))),
    _c("pe", "I26.99", "respiratory",
       ["pulmonary embolism", "PE", "acute pulmonary embolism"],
       reason="sudden shortness of breath and pleuritic chest pain",
       key_labs=(KeyLab("D-dimer", "high", 1.2, 8.0), KeyLab("troponin I", "high", 0.05, 0.40)),
       treatment=(Rx("enoxaparin", "SC", "inpatient"), Rx("apixaban", "PO", after="enoxaparin")),
       procedures=(("CT pulmonary angiography", 1.0), ("lower extremity venous duplex", 0.6),
                   ("transthoracic echocardiogram", 0.3)),
       consults=(("pulmonology", 0.3),), complications=("hypokalemia",), excludes=("paf",), stay=(2, 4),
       instructions=("Take the blood thinner twice a day without missing doses; the dose is reduced after one week "
                     "as directed.", "Seek care at once for bleeding or new breathlessness.",
                     "Follow up with your primary care physician in 1 week."),
       vitals=(("HR", 104, 122), ("SpO2", 89, 94))),
    _c("pneumonia", "J18.9", "respiratory",
       ["community-acquired pneumonia", "pneumonia", "CAP"], reason="fever, cough and shortness of breath",
       key_labs=(KeyLab("WBC", "high", 12.5, 22.0), KeyLab("procalcitonin", "high", 0.3, 4.0)),
       treatment=(Rx("ceftriaxone", "IV", "inpatient"), Rx("azithromycin", "PO", "inpatient"),
                  Rx("amoxicillin-clavulanate", "PO", after="ceftriaxone")),
       procedures=(("chest X-ray", 1.0),), complications=("hyponatremia", "aki"),
       dispositions=(("home", 0.7), ("home_health", 0.2), ("snf", 0.1)), stay=(3, 6),
       instructions=("Finish the full course of antibiotics.", "Rest and drink plenty of fluids.",
                     "Follow up with your primary care physician in 1 week."), vitals=FEVER + (("SpO2", 89, 94),)),
    _c("copd", "J44.1", "respiratory",
       ["COPD exacerbation", "acute exacerbation of COPD", "AECOPD",
        "chronic obstructive pulmonary disease with acute exacerbation"],
       reason="worsening shortness of breath and wheeze", key_labs=(KeyLab("PaCO2", "high", 48, 65),),
       treatment=(Rx("methylprednisolone", "IV", "inpatient"), Rx("prednisone", "PO", after="methylprednisolone"),
                  Rx("albuterol", "nebulized", "inpatient"), Rx("ipratropium", "nebulized", "inpatient"),
                  Rx("azithromycin", "PO", prob=0.5)),
       procedures=(("chest X-ray", 1.0), ("noninvasive positive pressure ventilation", 0.3)),
       excludes=("copd_chronic",), home=(("tiotropium", "inhaled"),), families=("copd",), stay=(3, 6),
       instructions=("Finish the short course of steroid tablets.", "Use your inhalers as prescribed.",
                     "Follow up in the lung clinic in 2 weeks."), vitals=(("SpO2", 86, 91), ("RR", 24, 30))),
    _c("sepsis", "A41.9", "infectious", ["sepsis", "septicemia"], reason="fever, chills and confusion",
       key_labs=(KeyLab("lactate", "high", 2.3, 6.0), KeyLab("WBC", "high", 14.0, 28.0)),
       treatment=(Rx("lactated Ringer's", "IV", "inpatient"), Rx("piperacillin-tazobactam", "IV", "inpatient"),
                  Rx("vancomycin", "IV", "inpatient", prob=0.6),
                  Rx("amoxicillin-clavulanate", "PO", after="piperacillin-tazobactam")),
       procedures=(("chest X-ray", 1.0), ("central venous catheter placement", 0.3)),
       consults=(("infectious diseases", 0.4),), holds=("lisinopril", "amlodipine"), complications=("aki",),
       dispositions=(("home", 0.45), ("home_health", 0.35), ("snf", 0.2)), stay=(4, 8),
       instructions=("Finish the full course of antibiotics.", "Return for fever, chills or confusion.",
                     "Follow up with your primary care physician in 1 week."),
       vitals=FEVER + (("SBP", 82, 96),)),
    _c("pyelonephritis", "N10", "infectious", ["acute pyelonephritis", "pyelonephritis", "kidney infection"],
       reason="fever, flank pain and painful urination",
       key_labs=(KeyLab("WBC", "high", 12.0, 20.0), KeyLab("CRP", "high", 40, 200)),
       treatment=(Rx("ceftriaxone", "IV", "inpatient"), Rx("ciprofloxacin", "PO", after="ceftriaxone")),
       procedures=(("renal ultrasound", 1.0), ("CT abdomen and pelvis", 0.3)), stay=(2, 4),
       instructions=("Finish the full course of antibiotics.", "Drink plenty of fluids.",
                     "Follow up with your primary care physician in 1 week."), vitals=FEVER),
    _c("cellulitis", "L03.115", "infectious", ["cellulitis of the right lower limb", "right leg cellulitis",
                                                "cellulitis"],
       reason="redness, warmth and swelling of the right leg",
       key_labs=(KeyLab("WBC", "high", 11.5, 18.0), KeyLab("CRP", "high", 30, 150)),
       treatment=(Rx("cefazolin", "IV", "inpatient"), Rx("cephalexin", "PO", after="cefazolin")),
       procedures=(("lower extremity venous duplex", 1.0),), stay=(2, 5),
       instructions=("Finish the full course of antibiotics.", "Keep the leg raised when sitting.",
                     "Follow up with your primary care physician in 1 week."), vitals=FEVER),
    _c("cdiff", "A04.72", "infectious",
       ["Clostridioides difficile colitis", "C. difficile colitis", "C. diff colitis", "C. difficile infection",
        "Clostridium difficile enterocolitis", "CDI"],
       reason="profuse watery diarrhea and abdominal cramps", key_labs=(KeyLab("WBC", "high", 12.0, 25.0),),
       treatment=(Rx("vancomycin", "PO"),), procedures=(("CT abdomen and pelvis", 1.0),),
       consults=(("infectious diseases", 0.3),), holds=("omeprazole",), complications=("hypokalemia", "aki"),
       stay=(3, 6), instructions=("Finish the full course of the oral antibiotic.",
                                  "Wash hands with soap and water after using the toilet.",
                                  "Follow up with your primary care physician in 1 week.")),
    _c("pancreatitis", "K85.90", "gastrointestinal", ["acute pancreatitis", "pancreatitis"],
       reason="severe upper abdominal pain radiating to the back with vomiting",
       key_labs=(KeyLab("lipase", "high", 600, 4500),),
       treatment=(Rx("lactated Ringer's", "IV", "inpatient"), Rx("hydromorphone", "IV", "inpatient"),
                  Rx("ondansetron", "IV", "inpatient"), Rx("acetaminophen", "PO")),
       procedures=(("abdominal ultrasound", 1.0), ("CT abdomen and pelvis", 0.4)),
       consults=(("gastroenterology", 0.4),), complications=("hypokalemia",), stay=(3, 6),
       instructions=("Do not drink alcohol.", "Eat small low-fat meals.",
                     "Follow up with gastroenterology in 2 weeks.")),
    _c("gi_bleed", "K92.2", "gastrointestinal",
       ["gastrointestinal hemorrhage", "upper gastrointestinal bleeding", "GI bleed", "upper GI bleed",
        "gastrointestinal bleeding"],
       reason="black stools and lightheadedness",
       key_labs=(KeyLab("hemoglobin", "low", 6.2, 8.8), KeyLab("BUN", "high", 30, 70)),
       treatment=(Rx("pantoprazole", "IV", "step_down", then_route="PO"),),
       procedures=(("esophagogastroduodenoscopy", 1.0), ("transfusion of packed red blood cells", 0.7)),
       consults=(("gastroenterology", 1.0),), holds=("aspirin", "apixaban", "omeprazole"), stay=(2, 5),
       instructions=("Avoid anti-inflammatory pain relievers such as ibuprofen and naproxen.",
                     "Return for black stools, vomiting blood or fainting.",
                     "Follow up with gastroenterology in 2 weeks."), vitals=(("HR", 100, 118), ("SBP", 88, 104))),
    _c("cholecystitis", "K81.0", "gastrointestinal", ["acute cholecystitis", "cholecystitis"],
       reason="right upper abdominal pain, fever and nausea",
       key_labs=(KeyLab("WBC", "high", 12.0, 19.0), KeyLab("alkaline phosphatase", "high", 140, 300),
                 KeyLab("total bilirubin", "high", 1.3, 3.0)),
       treatment=(Rx("piperacillin-tazobactam", "IV", "inpatient"), Rx("acetaminophen", "PO")),
       procedures=(("abdominal ultrasound", 1.0), ("laparoscopic cholecystectomy", 0.8)),
       consults=(("general surgery", 1.0),), stay=(2, 4),
       instructions=("No heavy lifting for 4 weeks.", "Keep the wounds clean and dry.",
                     "Follow up with general surgery in 2 weeks."), vitals=FEVER),
    _c("diverticulitis", "K57.32", "gastrointestinal", ["acute diverticulitis", "diverticulitis",
                                                        "sigmoid diverticulitis"],
       reason="left lower abdominal pain and fever",
       key_labs=(KeyLab("WBC", "high", 12.0, 18.0), KeyLab("CRP", "high", 40, 200)),
       treatment=(Rx("ceftriaxone", "IV", "inpatient"), Rx("metronidazole", "IV", "step_down", then_route="PO"),
                  Rx("ciprofloxacin", "PO", after="ceftriaxone")),
       procedures=(("CT abdomen and pelvis", 1.0),), consults=(("general surgery", 0.3),), stay=(2, 5),
       instructions=("Finish the full course of antibiotics.", "Start with a clear liquid diet and advance slowly.",
                     "Follow up for a colon examination in 6 weeks."), vitals=FEVER),
    _c("aki_primary", "N17.9", "renal_metabolic", AKI_NAMES,
       reason="poor oral intake, dizziness and reduced urine output",
       key_labs=(KeyLab("creatinine", "high", 2.0, 4.5), KeyLab("BUN", "high", 35, 80)),
       treatment=(Rx("normal saline", "IV", "inpatient"),), procedures=(("renal ultrasound", 1.0),),
       consults=(("nephrology", 0.5),), holds=("lisinopril", "metformin", "spironolactone"),
       complications=("hyponatremia",), stay=(2, 5),
       instructions=("Drink at least 2 L of fluid a day unless told otherwise.",
                     "Have your blood tests repeated in 1 week.",
                     "Follow up with your primary care physician in 1 week.")),
    _c("dka", "E10.10", "renal_metabolic",
       ["diabetic ketoacidosis", "DKA", "type 1 diabetes mellitus with ketoacidosis"],
       reason="nausea, vomiting, abdominal pain and excessive thirst",
       key_labs=(KeyLab("glucose", "high", 380, 720), KeyLab("bicarbonate", "low", 6, 15),
                 KeyLab("anion gap", "high", 20, 32)),
       treatment=(Rx("insulin regular", "IV", "inpatient"), Rx("normal saline", "IV", "inpatient"),
                  Rx("insulin glargine", "SC"), Rx("insulin lispro", "SC")),
       procedures=(("electrocardiogram", 1.0),), consults=(("endocrinology", 0.8), ("nutrition", 0.5)),
       complications=("hypokalemia",), excludes=("t2dm", "hypothyroidism"), families=("diabetes", "t1dm"),
       stay=(2, 4), instructions=("Check your finger-stick readings before each meal and at bedtime.",
                                  "Never skip the long-acting insulin, even when unwell.",
                                  "Follow up with endocrinology in 2 weeks."), vitals=(("HR", 104, 126),)),
    _c("t2dm_hyperglycemia", "E11.65", "renal_metabolic",
       ["type 2 diabetes mellitus with hyperglycemia", "type 2 diabetes with hyperglycemia",
        "uncontrolled type 2 diabetes"],
       reason="excessive thirst, frequent urination and blurred vision",
       key_labs=(KeyLab("glucose", "high", 300, 520), KeyLab("hemoglobin A1c", "high", 9.0, 13.5)),
       treatment=(Rx("insulin glargine", "SC"), Rx("insulin lispro", "SC", "inpatient"), Rx("metformin", "PO")),
       procedures=(("electrocardiogram", 1.0),), consults=(("nutrition", 1.0), ("endocrinology", 0.3)),
       excludes=("t2dm",), families=("diabetes", "t2dm"), stay=(2, 4),
       instructions=("Check your finger-stick readings before each meal and at bedtime.",
                     "Follow the carbohydrate-counting meal plan.", "Follow up with endocrinology in 2 weeks.")),
    _c("hyperkalemia", "E87.5", "renal_metabolic", ["hyperkalemia", "hyperkalaemia"],
       reason="generalized weakness and palpitations", key_labs=(KeyLab("potassium", "high", 6.0, 7.2),),
       treatment=(Rx("calcium gluconate", "IV", "inpatient"), Rx("sodium zirconium cyclosilicate", "PO",
                                                                  "inpatient")),
       procedures=(("electrocardiogram", 1.0),), consults=(("nephrology", 0.4),),
       holds=("lisinopril", "spironolactone"), requires=("ckd3a",), stay=(2, 3),
       instructions=("Limit bananas, oranges, potatoes and tomatoes.",
                     "Have your blood tests repeated in 3 days.", "Follow up with nephrology in 2 weeks.")),
    _c("stroke", "I63.9", "neurologic",
       ["acute ischemic stroke", "ischemic stroke", "cerebral infarction", "stroke", "CVA"],
       reason="sudden weakness of the left arm and slurred speech",
       key_labs=(KeyLab("LDL cholesterol", "high", 130, 210),),
       treatment=(Rx("alteplase", "IV", "inpatient", prob=0.3), Rx("aspirin", "PO"), Rx("atorvastatin", "PO")),
       procedures=(("CT head", 1.0), ("MRI brain", 0.9), ("carotid ultrasound", 0.6),
                   ("transthoracic echocardiogram", 0.5)),
       consults=(("neurology", 1.0), ("physical therapy", 0.9)), excludes=("paf",),
       dispositions=(("rehab", 0.4), ("snf", 0.3), ("home_health", 0.2), ("home", 0.1)), stay=(3, 7),
       instructions=("Call emergency services at once for new weakness, numbness or trouble speaking.",
                     "Continue the exercises from therapy.", "Follow up with neurology in 4 weeks."),
       vitals=(("SBP", 160, 186),)),
    _c("alcohol_withdrawal", "F10.230", "neurologic",
       ["alcohol withdrawal", "alcohol dependence with withdrawal", "alcohol withdrawal syndrome"],
       reason="tremor, sweating and anxiety after stopping drinking",
       key_labs=(KeyLab("AST", "high", 80, 250),),
       treatment=(Rx("lorazepam", "IV", "inpatient"), Rx("thiamine", "PO"), Rx("folic acid", "PO")),
       procedures=(("electrocardiogram", 1.0), ("CT head", 0.3)), consults=(("social work", 0.8),),
       complications=("hypomagnesemia", "hypokalemia"), stay=(3, 5),
       instructions=("Do not drink alcohol.", "Attend the outpatient recovery program.",
                     "Follow up with your primary care physician in 1 week."), vitals=(("HR", 104, 124),)),
    _c("ida", "D50.0", "hematologic",
       ["iron deficiency anemia secondary to chronic blood loss", "iron deficiency anemia", "IDA"],
       reason="fatigue and shortness of breath on exertion", key_labs=(KeyLab("hemoglobin", "low", 6.0, 8.0),),
       treatment=(Rx("iron sucrose", "IV", "inpatient"), Rx("ferrous sulfate", "PO")),
       procedures=(("transfusion of packed red blood cells", 1.0), ("esophagogastroduodenoscopy", 0.6),
                   ("colonoscopy", 0.6)),
       consults=(("gastroenterology", 0.8),), holds=("aspirin",), stay=(2, 4),
       instructions=("Take the iron tablet with water or juice, not with tea or milk.",
                     "Have your blood count checked in 2 weeks.", "Follow up with gastroenterology in 4 weeks.")),
)

COMORBIDITIES: tuple[Condition, ...] = (
    _c("hypertension", "I10", "", ["hypertension", "HTN", "essential hypertension", "high blood pressure"],
       home=(("lisinopril", "PO"), ("amlodipine", "PO"))),
    _c("t2dm", "E11.9", "", ["type 2 diabetes mellitus without complications", "non-insulin-dependent diabetes "
                             "mellitus"], home=(("metformin", "PO"),), families=("diabetes", "t2dm")),
    _c("hyperlipidemia", "E78.5", "", ["hyperlipidemia", "HLD", "dyslipidemia", "high cholesterol"],
       home=(("atorvastatin", "PO"),)),
    _c("hypothyroidism", "E03.9", "", ["hypothyroidism"], home=(("levothyroxine", "PO"),)),
    _c("gerd", "K21.9", "", ["gastroesophageal reflux disease", "GERD", "gastro-esophageal reflux disease",
                             "acid reflux"], home=(("omeprazole", "PO"),)),
    _c("depression", "F32.A", "", ["depression", "depressive disorder"], home=(("sertraline", "PO"),)),
    _c("copd_chronic", "J44.9", "", ["stable COPD"], home=(("tiotropium", "inhaled"),), families=("copd",)),
    _c("ckd3a", "N18.31", "", ["chronic kidney disease stage 3a", "CKD stage 3a", "CKD 3a",
                               "chronic kidney disease", "CKD"]),
    _c("osteoarthritis", "M19.90", "", ["osteoarthritis", "OA", "degenerative joint disease"],
       home=(("acetaminophen", "PO"),)),
    _c("cad", "I25.10", "", ["coronary artery disease", "CAD", "atherosclerotic heart disease"],
       home=(("aspirin", "PO"),)),
    _c("paf", "I48.0", "", ["paroxysmal atrial fibrillation", "atrial fibrillation", "AF", "afib", "PAF"],
       home=(("apixaban", "PO"),)),
)

COMPLICATIONS: tuple[Condition, ...] = (
    _c("aki", "N17.9", "", AKI_NAMES, key_labs=(KeyLab("creatinine", "high", 1.8, 3.4),),
       treatment=(Rx("normal saline", "IV", "inpatient"),), holds=("lisinopril", "metformin", "spironolactone")),
    _c("hypokalemia", "E87.6", "", ["hypokalemia", "hypokalaemia"],
       key_labs=(KeyLab("potassium", "low", 2.7, 3.3),), treatment=(Rx("potassium chloride", "PO", "inpatient"),)),
    _c("hyponatremia", "E87.1", "", ["hyponatremia", "hyponatraemia", "hypo-osmolality and hyponatremia"],
       key_labs=(KeyLab("sodium", "low", 122, 131),),
       treatment=(Rx("sodium chloride tablets", "PO", "inpatient"),)),
    _c("hypomagnesemia", "E83.42", "", ["hypomagnesemia", "hypomagnesaemia"],
       key_labs=(KeyLab("magnesium", "low", 1.0, 1.5),), treatment=(Rx("magnesium sulfate", "IV", "inpatient"),)),
)

PRIMARY_BY_KEY = {c.key: c for c in PRIMARY}
PRIMARY_BY_CODE = {c.code: c for c in PRIMARY}
COMPLICATION_BY_CODE = {c.code: c for c in COMPLICATIONS}
COMORBIDITY_BY_KEY = {c.key: c for c in COMORBIDITIES}
COMPLICATION_BY_KEY = {c.key: c for c in COMPLICATIONS}
# Every diagnosis a record can hold, by ICD-10-CM code (AKI once: see AKI_NAMES).
BY_CODE: dict[str, Condition] = {c.code: c for c in (*COMPLICATIONS, *COMORBIDITIES, *PRIMARY)}
