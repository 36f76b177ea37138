"""The code domain's scores: HumanEval / HumanEval+ pass@k from sandboxed runs (cookbook/tasks/program/execute.py),
and the unit-test split's validity, coverage and mutation score (unit_metrics.py)."""

from __future__ import annotations

from cookbook.tasks.program.execute import pass_at_k_scores
from domains.code.unit_metrics import is_unit_split, unit_test_scores


def score(samples: list[list[str]], examples: list) -> dict:
    """Recipe.score for samples per example (the program kind's predictions)."""
    if examples and all(e.suites for e in examples):
        return pass_at_k_scores(examples, samples)
    if is_unit_split(examples):
        return unit_test_scores(examples, samples)
    raise ValueError("code: this split has neither test suites nor focal functions to score completions against")
