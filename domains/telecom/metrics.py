"""Telecom scores: ROUGE-L and token F1 against the reference answer, overall and per use-case."""

from cookbook.text_metrics import score_by_group


def score(predictions: list[str], examples) -> dict:
    return score_by_group(predictions, [e.reference for e in examples], [e.group for e in examples])
