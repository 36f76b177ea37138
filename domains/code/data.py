"""The code domain's data, mined offline from real Python source (see domains/code/README.md):

  codegen   prompt = a function's def line(s) + docstring, completion = its body
            (the stdlib and permissively licensed site-packages)
  unittest  prompt = a focal function's import line + source, completion = a standalone pytest test of it
            (the stdlib's `test` package and the tests networkx and sympy ship)

`python -m domains.code.data build [--seed N] [--force]` writes train.jsonl, test.jsonl and manifest.json into
the cache (cookbook.paths.cache_dir()), once per seed and set of installed sources; `load_examples` builds it if
needed and reads it back, validating every row (`file:line: field: problem`). JSONL rows:
{id, kind, prompt, completion, package, licence, path, line, name}."""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
import time
from pathlib import Path

from cookbook.config import DataConfig
from cookbook.data import load_jsonl_lines
from cookbook.errors import CookbookError, DataError
from cookbook.paths import cache_dir, cached_build
from cookbook.tasks.program.examples import ProgramExample
from domains.code import prompts
from domains.code.benchmark_tasks import benchmark_texts, load_humaneval, load_humaneval_plus, load_unit_focal
from domains.code.build import DATA_VERSION, BuildInputs, build_into, fingerprint
from domains.code.mining import KINDS, pair_problem
from domains.code.sources import CODEGEN_PACKAGES, TEST_PACKAGES, collect_trees
from domains.code.testmining import unittest_size_problem

SCHEMA = {"id": str, "kind": str, "prompt": str, "completion": str, "package": str, "licence": str, "path": str,
          "line": int, "name": str}
# "train" / "test" hold both kinds (group = kind); "train_codegen", "test_unittest", ... one kind (group = package)
MINED_SPLITS = ("train", "test", *(f"{s}_{k}" for s in ("train", "test") for k in KINDS))
# HumanEval's 164 prompts, scored by HumanEval's and HumanEval+'s tests; the held-out focal functions a model writes
# pytest tests for, scored by coverage and mutation score (unit_metrics.py)
BENCHMARK_SPLITS = ("humaneval", "unit_focal")
SPLITS = MINED_SPLITS + BENCHMARK_SPLITS


def default_inputs() -> BuildInputs:
    """The stdlib and the packages of sources.py, as installed here."""
    codegen_trees, skipped = collect_trees(CODEGEN_PACKAGES, tests=False)
    test_trees, skipped_tests = collect_trees(TEST_PACKAGES, tests=True)
    focal_trees, _ = collect_trees(TEST_PACKAGES, tests=False)
    skipped.update({f"{k} (tests)": v for k, v in skipped_tests.items()})
    return BuildInputs(codegen_trees, test_trees, focal_trees, benchmark_texts(), skipped)


def data_dir(seed: int, inputs: BuildInputs) -> Path:
    return cache_dir() / f"code-data-{DATA_VERSION}-seed{seed}-{fingerprint(inputs)}"


def build_dataset(seed: int = 0, force: bool = False, inputs: BuildInputs | None = None) -> Path:
    """The built data folder for `seed`, built now if it isn't in the cache (or if `force`)."""
    inputs = inputs or default_inputs()
    folder = data_dir(seed, inputs)
    if force:
        shutil.rmtree(folder, ignore_errors=True)
    return cached_build(folder.name, lambda work: build_into(work, seed, inputs), marker="manifest.json")


def check_row(row: dict):
    """(field, problem) for a row that breaks the domain's rules, else None."""
    if row["kind"] not in KINDS:
        return "kind", f"'{row['kind']}' is not one of {', '.join(KINDS)}"
    if row["line"] < 1:
        return "line", f"{row['line']} is not a line number"
    if row["kind"] == "codegen":
        problem = pair_problem(row["prompt"], row["completion"])
        return tuple(problem.split(": ", 1)) if problem else None
    return unittest_problem(row["prompt"], row["completion"])


def unittest_problem(prompt: str, completion: str):
    problem = unittest_size_problem(prompt, completion)
    if problem:
        return tuple(problem.split(": ", 1))
    for name, text in (("prompt", prompt), ("completion", completion)):
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            return name, f"does not parse ({exc.msg}, line {exc.lineno})"
        if name == "prompt" and not any(isinstance(n, ast.FunctionDef) for n in tree.body):
            return name, "has no function definition"
    tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    if len(tests) != 1:
        return "completion", f"expected exactly one test function, found {len(tests)}"
    return None


def split_file(folder: Path, split: str) -> tuple[Path, str]:
    """(JSONL file, kind filter or '') for a split name of SPLITS."""
    if split not in MINED_SPLITS:
        raise CookbookError(f"unknown split '{split}' for the code domain; choose from {', '.join(SPLITS)}")
    base, _, kind = split.partition("_")
    return folder / f"{base}.jsonl", kind


def load_rows(path: Path) -> list[tuple[int, dict]]:
    """Validated (line, row) pairs of a code JSONL file; duplicate ids are an error too."""
    rows = load_jsonl_lines(path, SCHEMA, check=check_row)
    seen: dict[str, int] = {}
    for line, row in rows:
        if row["id"] in seen:
            raise DataError(f"{path}:{line}: id: '{row['id']}' repeats line {seen[row['id']]}")
        seen[row["id"]] = line
    return rows


def mined_example(row: dict, group: str, source: str) -> ProgramExample:
    """A mined pair in the domain's prompt format (prompts.py): codegen continues the function's head, unittest
    answers with a test file."""
    common = dict(id=row["id"], group=group, source=source, fields=("prompt", "completion"),
                  reference=prompts.closed(row["completion"]))
    if row["kind"] == "codegen":
        return ProgramExample(prompt=prompts.codegen_user(), answer_prefix=prompts.codegen_prefix(row["prompt"]),
                              program_head=row["prompt"], stops=prompts.CODEGEN_STOPS, **common)
    return ProgramExample(prompt=prompts.unittest_user(row["prompt"]), answer_prefix=prompts.FENCE,
                          stops=prompts.UNITTEST_STOPS, **common)


def humaneval_examples() -> list[ProgramExample]:
    """HumanEval's prompts, each with two suites: HumanEval's own tests and HumanEval+'s. The prompts are the same
    in both files but for one task; HumanEval's is used (one set of samples is scored by both)."""
    plus = {t.task_id: t for t in load_humaneval_plus()}
    return [ProgramExample(id=t.task_id, prompt=prompts.codegen_user(), reference=prompts.closed(t.canonical_solution),
                           group="HumanEval", answer_prefix=prompts.codegen_prefix(t.prompt), program_head=t.prompt,
                           suites={"HumanEval": t.test, "HumanEval+": plus[t.task_id].test},
                           entry_point=t.entry_point, stops=prompts.CODEGEN_STOPS)
            for t in load_humaneval()]


def unit_focal_examples() -> list[ProgramExample]:
    """The focal functions, asked as a mined unit-test pair is (prompts.unittest_user); no reference test exists, so
    the reference shown to a judge is the focal source itself."""
    return [ProgramExample(id=t.task_id, prompt=prompts.unittest_user(t.prompt), reference=t.source,
                           group=Path(t.origin.split(":")[0]).stem, source=t.origin, answer_prefix=prompts.FENCE,
                           stops=prompts.UNITTEST_STOPS)
            for t in load_unit_focal()]


def load_examples(cfg: DataConfig, split: str) -> list[ProgramExample]:
    """Examples of a split (SPLITS). `cfg.train_file` / `cfg.test_file` name a JSONL file to read instead of the
    built data; otherwise the data for `cfg.corpus_seed` is built or taken from the cache."""
    if split == "humaneval":
        return humaneval_examples()
    if split == "unit_focal":
        return unit_focal_examples()
    own_file = cfg.train_file if split.startswith("train") else cfg.test_file
    if own_file:
        path, kind = Path(own_file), split_file(Path(), split)[1]
    else:
        path, kind = split_file(build_dataset(cfg.corpus_seed), split)
    return [mined_example(r, r["package"] if kind else r["kind"], f"{path}:{line}")
            for line, r in load_rows(path) if not kind or r["kind"] == kind]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m domains.code.data", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the data into the cache (reused when present)")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--force", action="store_true", help="rebuild even if the cache has it")
    check = sub.add_parser("check", help="validate a JSONL file of code rows")
    check.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            print(f"{args.file}: {len(load_rows(args.file))} rows OK")
            return 0
        start = time.monotonic()
        folder = build_dataset(args.seed, force=args.force)
        for split in ("train", "test"):
            print(f"{folder / (split + '.jsonl')}: {len(load_rows(folder / f'{split}.jsonl'))} rows")
        print(f"manifest: {folder / 'manifest.json'} ({time.monotonic() - start:.1f} s)")
        return 0
    except CookbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
