"""The recipe protocol: what a domain supplies (data, prompts, configs, metrics). Trainers live in cookbook/train."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cookbook.registry import Registry


@dataclass
class Example:
    id: str
    prompt: str  # the user's turn
    reference: str  # the reference answer
    group: str = ""  # e.g. the telecom use-case; reports break metrics down by it


@dataclass
class AudioExample:
    id: str
    audio_path: str  # a 16-bit PCM WAV file
    reference: str  # the transcript
    group: str = ""  # e.g. child-like / adult-like speech; reports break WER down by it


@dataclass
class Recipe:
    name: str
    description: str
    trainer: str  # a name in TRAINERS
    config_dir: Path
    load_examples: Callable  # (DataConfig, split: "train" or one of test_splits) -> list[Example | AudioExample]
    choose_method: Callable[[str], tuple[str, str]]  # requested method -> (method, reason shown to the user)
    score: Callable  # (predictions: list[str], examples: list[Example]) -> dict report section
    system_prompt: str = ""
    demo_examples: list[str] = field(default_factory=list)
    test_splits: list[str] = field(default_factory=lambda: ["test"])  # evaluated by `cookbook eval`, in order
    evaluator: str = "text"  # a name in cookbook.evaluation's EVALUATORS

    def config_path(self, name: str) -> Path:
        path = Path(name)
        if path.suffix in {".yaml", ".yml"} and path.exists():
            return path
        return self.config_dir / f"{name}.yaml"


DOMAINS: Registry[Recipe] = Registry("domain")
DOMAIN_MODULES = ["domains.telecom.recipe", "domains.speech.recipe"]


def load_domains() -> Registry[Recipe]:
    for module in DOMAIN_MODULES:
        importlib.import_module(module)
    return DOMAINS


def get_recipe(name: str) -> Recipe:
    return load_domains().get(name)
