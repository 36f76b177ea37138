"""Functions the clinical lm-eval task names with `!function`: the held-out records and the scorer, both the
domain's own (domains/clinical/data.py, metrics.py), so lm-eval scores a summary exactly as `cookbook eval` does.
The system prompt is not here: the cookbook passes the recipe's `system_prompt` as lm-eval's system instruction
(judges/lm_eval_run.py)."""

from __future__ import annotations

from dataclasses import replace

from domains.clinical.metrics import score_one
from domains.clinical.record import parse

METRICS = ("fact_recall", "hallucination_rate", "leak_rate", "rougeL")


def load_test_split(test_file: str | None = None, **_metadata):
    """{'test': Dataset} of rows {id, group, record, summary}: the default configuration's held-out split, or
    `test_file` (metadata `test_file=...`). lm-eval passes the task metadata and the model's arguments as keyword
    arguments; only `test_file` is ours."""
    import datasets

    from domains.clinical.recipe import RECIPE

    cfg = RECIPE.load_config("default").data
    if test_file:
        cfg = replace(cfg, test_file=str(test_file))
    rows = [{"id": e.id, "group": e.group, "record": e.prompt, "summary": e.reference}
            for e in RECIPE.load_examples(cfg, "test")]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    row = score_one(results[0].strip(), parse(doc["record"], doc["id"]), doc["summary"])
    return {m: float(row[m]) for m in METRICS}
