"""The DPO stage's data: the domain's preference pairs (Recipe.load_preferences, validated as they load), fitted to
the sequence budget before any model loads, in the model's own chat format.

Each pair is fitted as the text kind fits a row (cookbook/tasks/text/data.py), measured with the longer of its two
answers: a prompt too long to leave that answer room keeps its end, and the chosen and the rejected answer share
the cut prompt, since DPO compares the two answers to one prompt. What no cut can fit stops with
`file:line: field: problem` (exit 2)."""

from __future__ import annotations

from collections import Counter

from cookbook.config import RunConfig
from cookbook.errors import ConfigError, DataError
from cookbook.tasks.text.data import SequenceBudget, fit_split
from cookbook.tasks.text.examples import TextExample


def load_pairs(cfg: RunConfig, recipe, split: str, limit: int = 0) -> list[dict]:
    if recipe.load_preferences is None:
        raise ConfigError(f"domain '{recipe.name}' has no preference pairs (its recipe sets no load_preferences), "
                          "so it cannot train the DPO stage")
    pairs = recipe.load_preferences(cfg.data, split, cfg.preferences)
    return pairs[:limit] if limit else pairs


def train_and_eval_pairs(cfg: RunConfig, recipe) -> tuple[list[dict], list[dict]]:
    """Training pairs (data.max_train_samples of them, 0 = all) and data.eval_samples held-out ones, for the DPO
    stage's configuration (stages.stage_config: dpo.eval_pairs becomes data.eval_samples there)."""
    train = load_pairs(cfg, recipe, "train", cfg.data.max_train_samples)
    n_eval = cfg.data.eval_samples
    held_out = load_pairs(cfg, recipe, recipe.loss_split(), n_eval) if n_eval else []
    if not train:
        raise DataError(f"{cfg.data.train_file or recipe.name + ' train split'}:0: -: no preference pairs left "
                        f"after the domain's selection (data.max_train_samples={cfg.data.max_train_samples})")
    return train, held_out


def fit_pairs(budget: SequenceBudget, pairs: list[dict], split: str, log) -> list[dict]:
    """`pairs` with prompts cut where the longer answer needs it (one log line per split, as SFT says it)."""
    longer = []
    for p in pairs:
        chosen_len = budget.length(p["chosen"], special=False)
        which = "chosen" if chosen_len >= budget.length(p["rejected"], special=False) else "rejected"
        longer.append(TextExample(id=p["id"], prompt=p["prompt"], reference=p[which], source=p.get("source", ""),
                                  fields=("prompt", which)))
    fitted = fit_split(budget, longer, f"{split} pairs", log)
    return [{**p, "prompt": f.prompt} for p, f in zip(pairs, fitted, strict=True)]


def to_dataset(fmt, system: str, pairs: list[dict]):
    """TRL's preference rows as text in the model's chat format: prompt, chosen, rejected (each answer ending its
    turn as SFT trained it)."""
    from datasets import Dataset

    return Dataset.from_list([{"prompt": fmt.prompt(p["prompt"], system), "chosen": fmt.completion(p["chosen"]),
                               "rejected": fmt.completion(p["rejected"])} for p in pairs])


def kinds(pairs: list[dict]) -> dict[str, int]:
    """How many pairs of each labelled kind (the domain's `kind` field, where it has one)."""
    return dict(sorted(Counter(p.get("kind", "-") for p in pairs).items()))
