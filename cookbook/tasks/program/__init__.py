"""Program synthesis: supervised fine-tuning as the text kind does (same trainer, same run directory), evaluated by
running what the model writes. Each held-out prompt gets `eval.samples` completions in batched `generate` calls
(greedy for one, nucleus sampling for more); the domain's `score` runs them in the sandbox (cookbook/sandbox) and
reports pass@k (passk.py) or whatever else it measures by execution."""

from __future__ import annotations

from cookbook.tasks import TaskKind, lazy
from cookbook.tasks.program.examples import ProgramExample

TASK = TaskKind(
    name="program", description="fine-tuning on prompt/completion pairs, evaluated by running sampled programs in "
                                "the sandbox (pass@k)",
    example_type=ProgramExample,
    train=lazy("cookbook.tasks.text.train", "train_text"),
    load_run=lazy("cookbook.tasks.text.generate", "load_run"),
    evaluate=lazy("cookbook.tasks.program.evaluate", "evaluate_programs"),
    compare=lazy("cookbook.tasks.program.compare", "compare_programs"),
    trains_as="text",
)
