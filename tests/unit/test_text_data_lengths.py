"""Rows longer than data.max_seq_len, counted as TRL tokenizes them (tiny Gemma tokenizer): rows that fit or
whose prompt leaves room for the answer are untouched; an over-long prompt keeps its end so the answer fits; an
answer that cannot fit beside a minimum of its prompt is rejected as `file:line: field: ...`."""

import pytest

from cookbook.errors import DataError
from cookbook.models.prompt_format import prompt_format
from cookbook.models.resolve import load_tokenizer, resolve_model
from cookbook.tasks.text.data import MIN_PROMPT_TOKENS, SequenceBudget, fit_split
from cookbook.tasks.text.examples import TextExample

QUESTION = "What does the border gateway protocol exchange between autonomous systems?"


@pytest.fixture(scope="module")
def fmt():
    return prompt_format(load_tokenizer(resolve_model("tiny-gemma3")))


def example(prompt=QUESTION, reference="Reachability information for IP prefixes.") -> TextExample:
    return TextExample(id="x-1", prompt=prompt, reference=reference, source="data.jsonl:7",
                       fields=("instruction", "response"))


def sequence(budget: SequenceBudget, e: TextExample) -> int:
    return budget.length(budget.fmt.prompt(e.prompt, budget.system) + budget.completion(e))


def test_rows_that_fit_or_leave_room_for_the_answer_are_untouched(fmt):
    budget = SequenceBudget(fmt, "Answer briefly.", 512)
    e = example()
    assert budget.fit(e) == (e, "fits")
    long_answer = example(reference="Routes and their path attributes. " * 100)
    tight = SequenceBudget(fmt, "Answer briefly.", 128)
    assert tight.fit(long_answer) == (long_answer, "answer_cut")  # TRL keeps the prompt and the answer's start


def test_an_over_long_prompt_keeps_its_end_and_the_whole_answer(fmt):
    budget = SequenceBudget(fmt, "Answer briefly.", 128)
    e = example(prompt="Background text about routers. " * 20_000 + QUESTION)  # ~0.6 MB
    cut, how = budget.fit(e)
    assert how == "prompt_cut" and sequence(budget, cut) <= 128
    assert cut.prompt.endswith(QUESTION) and cut.reference == e.reference and cut.source == e.source


def test_an_answer_too_long_for_any_prompt_is_rejected_with_its_row(fmt):
    budget = SequenceBudget(fmt, "", 128)
    e = example(prompt="Background text. " * 20_000, reference="A very long answer. " * 200)
    with pytest.raises(DataError) as err:
        budget.fit(e)
    assert str(err.value).startswith("data.jsonl:7: response: longer than data.max_seq_len=128 tokens (")
    # An answer that fits alone but leaves less than the minimum of the prompt is rejected as well.
    words = 1
    while budget.length(budget.completion(example(reference="word " * (words + 1))), special=False) < 120:
        words += 1
    medium = example(prompt="Background text. " * 20_000, reference="word " * words)  # ~120 answer tokens
    with pytest.raises(DataError, match=f"allow beside its prompt .* at least {MIN_PROMPT_TOKENS} of the "
                                        "instruction"):
        budget.fit(medium)


def test_one_summary_line_per_split(fmt):
    budget = SequenceBudget(fmt, "", 128)
    rows = [example(), example(prompt="Background. " * 5_000 + QUESTION),
            example(reference="Routes and their attributes. " * 100)]
    lines = []
    fitted = fit_split(budget, rows, "train", lines.append)
    assert fitted[0] is rows[0] and fitted[2] is rows[2] and fitted[1] is not rows[1]
    assert len(lines) == 1 and lines[0].startswith("data: train: 2 of 3 rows are longer than data.max_seq_len=128")
    assert "1 keep their first 128 tokens" in lines[0] and "1 have a prompt longer than that" in lines[0]
    assert fit_split(budget, rows[:1], "eval", lines.append) == rows[:1] and len(lines) == 1
