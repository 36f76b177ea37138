"""Turning what a model wrote into the program that is run. Normally the completion is the body that continues the
function's head (the answer prefix). A server that cannot continue a started turn (lm-eval's chat backend against
`transformers serve`) answers with a whole function instead, usually in a code block: then that code is the
program, after the head's imports and helpers."""

from __future__ import annotations

import re

_BLOCK = re.compile(r"```(?:python|py)?\n(.*?)(?:```|$)", re.S)


def program_from_completion(head: str, completion: str, entry_point: str) -> str:
    if f"def {entry_point}(" not in completion:
        return head + completion
    block = _BLOCK.search(completion)
    code = block.group(1) if block else completion
    # the head's lines before its `def` (imports, helper functions the task gives) still apply
    preamble = head.split(f"def {entry_point}(", 1)[0]
    return preamble + code
