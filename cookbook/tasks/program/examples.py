"""What a program-synthesis domain's `load_examples` returns: a text example (it trains as one) that also says how
a completion becomes a program and which tests it must pass."""

from __future__ import annotations

from dataclasses import dataclass, field

from cookbook.tasks.text.examples import TextExample


@dataclass
class ProgramExample(TextExample):
    # The code a completion continues (imports, signature, docstring): the program run is head + completion.
    program_head: str = ""
    # Test suites the program is run against, by name ("HumanEval", "HumanEval+"): code run after the program in
    # the same namespace. Several suites score the same samples.
    suites: dict[str, str] = field(default_factory=dict)
    entry_point: str = ""  # after a suite, `check(<entry_point>)` is called, as HumanEval's harness does; "" = not
    stops: tuple[str, ...] = ()  # a completion ends before the first of these (the end of the function)
