"""Clinical discharge summaries (NOTE): SFT on reference summaries of synthetic admissions, then DPO on preference
pairs whose rejected summaries omit, invent or leak; scored by exact fact recall, hallucination and leak rates."""

from pathlib import Path

from cookbook.config import DataConfig, PreferenceDataConfig
from cookbook.errors import ConfigError
from cookbook.recipe import LmEvalTask, Recipe
from domains.clinical import data, judge_assets, metrics
from domains.clinical.preferences import KINDS, PreferenceConfig
from domains.clinical.record import parse
from domains.clinical.redact import redact

HERE = Path(__file__).parent

SYSTEM = ("You write hospital discharge summaries. Summarise the admission record in the sections Admission, "
          "Diagnoses, Hospital course, Medications, Disposition and Follow-up. State only facts in the record, "
          "and never write the patient's name, MRN or any date.")


def preference_config(pref: PreferenceDataConfig) -> PreferenceConfig:
    """The generator's mix from the run's `preferences:` section: kinds it does not list get weight 0; {} = one
    pair of each kind in equal shares."""
    unknown = sorted(set(pref.mix) - set(KINDS))
    if unknown:
        raise ConfigError(f"preferences.mix.{unknown[0]}: not a kind of rejected summary; valid: {', '.join(KINDS)}")
    weights = {k: pref.mix.get(k, 0.0) for k in KINDS} if pref.mix else {}
    if weights and (sum(weights.values()) <= 0 or min(weights.values()) < 0):
        raise ConfigError(f"preferences.mix: weights must be >= 0 with a positive sum, got {pref.mix}")
    if pref.pairs_per_prompt < 1:
        raise ConfigError(f"preferences.pairs_per_prompt: must be at least 1, got {pref.pairs_per_prompt}")
    return PreferenceConfig(**weights, pairs_per_admission=pref.pairs_per_prompt, seed=pref.seed)


def load_preferences(cfg: DataConfig, split: str, pref: PreferenceDataConfig) -> list[dict]:
    return data.load_preferences(cfg, split, preference_config(pref))


def redact_output(text: str, example) -> tuple[str, dict[str, int]]:
    """The identifiers of the example's own record (its patient, admission and discharge dates) and any that look
    like one, replaced before display."""
    adm = parse(example.prompt, example.id)
    r = redact(text, adm.identity, (adm.admit.date(), adm.discharge.date()))
    return r.text, dict(r.counts)


RECIPE = Recipe(
    name="clinical",
    description="discharge summaries of synthetic admissions (NOTE): SFT then DPO with LoRA on "
                "Qwen2.5-Coder-0.5B-Instruct; exact fact recall, hallucination and identifier-leak rates",
    task="preference",
    config_dir=HERE / "configs",
    load_examples=data.load_examples,
    score=metrics.score,
    primary_metric="fact_recall",
    metric_labels={"fact_recall": "fact recall", "hallucination_rate": "hallucination rate",
                   "leak_rate": "identifier leak rate", "rougeL": "ROUGE-L", "length_ratio": "length / reference",
                   "sections_in_order": "sections in order", "redundancy": "redundancy",
                   **{f"recall_{c}": f"recall: {c}" for c in metrics.RECALL_CATEGORIES}},
    lower_is_better=set(metrics.LOWER_IS_BETTER),
    descriptive={"length_ratio"},  # 1 is the reference's length; longer or shorter is not better in itself
    tradeoff=("fact_recall", "hallucination_rate"),
    load_preferences=load_preferences,
    redact=redact_output,
    auto_methods=("lora",),
    system_prompt=SYSTEM,
    demo_module="apps.clinical",
    judge=judge_assets.JUDGE,
    lm_eval=LmEvalTask(folder=HERE / "lm_eval", name="clinical", group_label="primary diagnosis category"),
    notes=["Synthetic admissions (domains/clinical/generator.py): no real patient; the names, MRNs and dates exist "
           "to test leaks."],
)
