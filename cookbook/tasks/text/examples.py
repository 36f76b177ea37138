"""What a text domain's `load_examples` returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TextExample:
    id: str
    prompt: str  # the user's turn
    reference: str  # the reference answer
    group: str = ""  # reports break metrics down by it (a domain's categories)
