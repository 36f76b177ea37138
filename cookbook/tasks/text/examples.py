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
    # The start of the model's turn, given rather than generated (a code block's opening and a function's signature
    # and docstring, so that the model writes the body): part of the prompt, never of the loss.
    answer_prefix: str = ""
    # In-context examples: earlier (user, assistant) turns shown before this one (the few-shot baseline).
    shots: tuple[tuple[str, str], ...] = ()


def system_prompt_for(example, default: str) -> str:
    return default if getattr(example, "system", None) is None else example.system


def prompt_text(fmt, example, default_system: str) -> str:
    """Everything before the tokens the model is trained to produce (or generates): its chat-format prompt, then the
    example's answer prefix."""
    return fmt.prompt(example.prompt, system_prompt_for(example, default_system), example.shots) + \
        example.answer_prefix


def completion_text(fmt, example) -> str:
    """The trained answer, ended as the model's turn ends. After an answer prefix its leading whitespace is kept
    (a function body's indentation continues the prefix)."""
    return fmt.completion(example.reference, continues=bool(example.answer_prefix))
