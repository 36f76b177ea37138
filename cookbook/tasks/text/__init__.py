"""Text SFT: prompt/completion pairs in the model's own chat format, completion-only loss, any PEFT method
that supports the `text` kind; evaluated by generating answers to the held-out split with and without the
adapter and scoring them with the domain's metrics; `compare` trains several methods at equal budgets."""

from __future__ import annotations

from cookbook.tasks import TaskKind, lazy
from cookbook.tasks.text.examples import TextExample

TASK = TaskKind(
    name="text", description="supervised fine-tuning on prompt/completion pairs (causal LM)",
    example_type=TextExample,
    train=lazy("cookbook.tasks.text.train", "train_text"),
    load_run=lazy("cookbook.tasks.text.generate", "load_run"),
    evaluate=lazy("cookbook.tasks.text.evaluate", "evaluate_text"),
    compare=lazy("cookbook.tasks.text.compare", "compare_text"),
    answers=lazy("cookbook.tasks.text.answers", "answer_split"),
)
