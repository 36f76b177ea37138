"""Kinds of training and evaluation. Each package under cookbook/tasks/ is one kind (text SFT, ASR, ...) and
exposes one `TASK = TaskKind(...)` in its `__init__.py`; packages are discovered, so adding a kind means adding a
package. A kind's `__init__` stays light (no torch import): its functions import their implementation lazily."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cookbook.registry import Registry


@dataclass(frozen=True)
class TaskKind:
    name: str
    description: str
    example_type: type  # what the domain's load_examples returns, e.g. TextExample
    train: Callable  # (RunConfig, Recipe, run_dir) -> metrics dict (the run directory contract, cookbook/runs.py)
    load_run: Callable  # (run_dir) -> a loaded finished run (base model + adaptation), for demos and evaluation
    evaluate: Callable  # (RunConfig, Recipe, run_dir) -> report dict with a "summary" line; writes RUN/eval/
    # (RunConfig, Recipe, config name, methods, out_dir, overrides) -> report dict; None = not supported
    compare: Callable | None = None
    # (RunConfig, Recipe, run_dir) -> [{id, group, question, reference, base, tuned}]: what a judge grades
    answers: Callable | None = None
    # The kind whose trainer this one trains with, so the PEFT methods that support that kind apply here too
    # (program synthesis trains as text SFT); "" = its own.
    trains_as: str = ""

    @property
    def method_kind(self) -> str:
        return self.trains_as or self.name


def lazy(module: str, name: str) -> Callable:
    """`module.name`, imported on first call: a kind's package stays free of torch until it does work."""

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


TASKS: Registry[TaskKind] = Registry("task kind")
_scanned = False


def load_tasks() -> Registry[TaskKind]:
    global _scanned
    if not _scanned:
        for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
            if not info.ispkg:
                continue
            module = importlib.import_module(f"{__name__}.{info.name}")
            task = getattr(module, "TASK", None)
            if isinstance(task, TaskKind) and task.name not in TASKS:
                TASKS.register(task.name)(task)
        _scanned = True
    return TASKS


def get_task(name: str) -> TaskKind:
    return load_tasks().get(name)
