"""Reference-based text metrics: ROUGE-L (the `rouge_score` library behind `evaluate`'s rouge) and SQuAD-style
token F1. Scores are in [0, 1]."""

from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> list[str]:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    return _ARTICLES.sub(" ", text).split()


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = normalize(prediction), normalize(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


_scorer = None


def rouge_l(prediction: str, reference: str) -> float:
    global _scorer
    if _scorer is None:
        from rouge_score import rouge_scorer

        _scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return _scorer.score(reference, prediction)["rougeL"].fmeasure


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def score_by_group(predictions: list[str], references: list[str], groups: list[str]) -> dict:
    """{'overall': {rougeL, token_f1, n}, 'by_group': {g: {...}}, 'per_example': [...]}"""
    per = [{"rougeL": rouge_l(p, r), "token_f1": token_f1(p, r), "group": g}
           for p, r, g in zip(predictions, references, groups, strict=True)]

    def summary(rows):
        return {"rougeL": mean(x["rougeL"] for x in rows), "token_f1": mean(x["token_f1"] for x in rows),
                "n": len(rows)}

    return {"overall": summary(per),
            "by_group": {g: summary([x for x in per if x["group"] == g]) for g in sorted(set(groups))},
            "per_example": per}
