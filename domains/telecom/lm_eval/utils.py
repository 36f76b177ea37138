"""Functions the telecom lm-eval task YAML names with `!function`: the data, the prompt and the metrics, all
taken from the cookbook so lm-eval scores exactly what `cookbook eval` scores. The system prompt is not here: the
cookbook passes the recipe's `system_prompt` to lm-eval as its system instruction (judges/lm_eval_run.py)."""

from __future__ import annotations

from cookbook.text_metrics import rouge_l, token_f1
from domains.telecom.data import DATA_DIR, load_rows


def load_test_split(test_file: str | None = None, **_metadata):
    """{'test': Dataset} from the validated held-out JSONL. lm-eval passes the task metadata (and the model's
    arguments) as keyword arguments; only `test_file` (metadata `test_file=...`) is ours, the rest is ignored."""
    import datasets

    rows = load_rows(test_file or DATA_DIR / "test.jsonl")
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def doc_to_text(doc: dict) -> str:
    """The user turn: the instruction alone, as training and `cookbook eval` put it."""
    return doc["instruction"].strip()


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    answer = results[0].strip()
    return {"rougeL": rouge_l(answer, doc["response"]), "token_f1": token_f1(answer, doc["response"])}
