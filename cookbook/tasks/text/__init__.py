"""Text SFT: prompt/completion pairs in the model's own chat format, completion-only loss, any PEFT method
that supports the `text` kind; evaluated by generating answers to the held-out split with and without the
adapter and scoring them with the domain's metrics."""

from __future__ import annotations

from cookbook.tasks import TaskKind
from cookbook.tasks.text.examples import TextExample


def _train(cfg, recipe, run_dir):
    from cookbook.tasks.text.train import train_text

    return train_text(cfg, recipe, run_dir)


def _load_run(run_dir):
    from cookbook.tasks.text.generate import load_run

    return load_run(run_dir)


def _evaluate(cfg, recipe, run_dir):
    from cookbook.tasks.text.evaluate import evaluate_text

    return evaluate_text(cfg, recipe, run_dir)


def _answers(cfg, recipe, run_dir):
    from cookbook.tasks.text.answers import answer_split

    return answer_split(cfg, recipe, run_dir)


TASK = TaskKind(name="text", description="supervised fine-tuning on prompt/completion pairs (causal LM)",
                example_type=TextExample, train=_train, load_run=_load_run, evaluate=_evaluate, answers=_answers)
