"""How the code domain asks: the user's turn says what to write, and the model's own turn is started for it (the
answer prefix): an opened ```python block, then for code generation the function's signature and docstring, so
that what the model writes (and is trained on) is the body. One format for the mined training pairs, HumanEval,
HumanEval+ and the demo, for base and tuned models alike."""

from __future__ import annotations

FENCE = "```python\n"
CODEGEN_ASK = "Complete the following Python function. Write only its body, then close the code block."
UNITTEST_ASK = ("Write a pytest test for the function below: one test function with asserts that pass on this "
                "implementation and would fail on a wrong one. Import what you use.")
# The completion ends where the code block closes, or where a script-level line follows the function (a caller,
# a demo print): those are not part of the solution and would run with it.
CODEGEN_STOPS = ("\n```", "\nif __name__", "\nprint(", "\nassert ", "\n>>>")
UNITTEST_STOPS = ("\n```",)
SYSTEM = "You are an expert Python programmer. You write correct, idiomatic, self-contained Python."


def codegen_user() -> str:
    return CODEGEN_ASK


def codegen_prefix(head: str) -> str:
    """The model's turn up to the body: the code block's opening and the function's head."""
    return FENCE + head.rstrip("\n") + "\n"


def unittest_user(focal_prompt: str) -> str:
    return f"{UNITTEST_ASK}\n\n{FENCE}{focal_prompt.rstrip()}\n```"


def closed(code: str) -> str:
    """A training answer: the code, then the closing fence (the stop the model must learn)."""
    return code.rstrip() + "\n```"
