"""Functions the humaneval_sandboxed task names with `!function`: the data (domains/code's HumanEval split, in the
recipe's prompt format) and the scorer (the cookbook sandbox, both suites), so lm-eval scores what `cookbook eval`
scores."""

from __future__ import annotations

from cookbook.sandbox import run_program
from cookbook.tasks.program.execute import TIMEOUT_S
from cookbook.tasks.program.sampling import cut_at_stops
from domains.code.data import humaneval_examples
from domains.code.program_text import program_from_completion

SUITES = {"HumanEval": "humaneval_pass@1", "HumanEval+": "humaneval_plus_pass@1"}


def load_humaneval(**_metadata):
    import datasets

    rows = [{"id": e.id, "group": e.group, "prompt": e.prompt, "reference": e.reference,
             "answer_prefix": e.answer_prefix, "program_head": e.program_head, "entry_point": e.entry_point,
             "stops": list(e.stops), **{f"suite_{metric}": e.suites[suite] for suite, metric in SUITES.items()}}
            for e in humaneval_examples()]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    completion = cut_at_stops(results[0], tuple(doc["stops"]))
    program = program_from_completion(doc["program_head"], completion, doc["entry_point"])
    return {metric: float(run_program(program, doc[f"suite_{metric}"], entry_point=doc["entry_point"],
                                      timeout_s=TIMEOUT_S).passed)
            for metric in SUITES.values()}
