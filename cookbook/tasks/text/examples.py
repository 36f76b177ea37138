"""What a text domain's `load_examples` returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TextExample:
    id: str
    prompt: str  # the user's turn
    reference: str  # the reference answer
    group: str = ""  # reports break metrics down by it (a domain's categories)
    # Where the row came from, for `file:line: field: problem` messages about it (e.g. too long to train on):
    source: str = ""  # "path/to/train.jsonl:17"; "" = not from a file
    fields: tuple[str, str] = ("prompt", "reference")  # the row's own names for the prompt and the reference
    # This example's own system prompt, for domains whose rows differ in it (a judge's pointwise and pairwise
    # rubrics); None = the recipe's `system_prompt`.
    system: str | None = None


def system_prompt_for(example, default: str) -> str:
    return default if getattr(example, "system", None) is None else example.system
