"""The code domain's scores: HumanEval / HumanEval+ pass@k from sandboxed runs (cookbook/tasks/program/execute.py)."""

from __future__ import annotations

from cookbook.tasks.program.execute import pass_at_k_scores


def score(samples: list[list[str]], examples: list) -> dict:
    """Recipe.score for samples per example (the program kind's predictions)."""
    if examples and all(e.suites for e in examples):
        return pass_at_k_scores(examples, samples)
    raise ValueError("code: this split has no test suites to score completions against")
