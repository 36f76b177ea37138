"""The code domain's data layer: mining filters, dedup, the unittest -> pytest rewrite, decontamination, seeded
byte-identical builds, row validation, and the offline benchmarks. The fake source trees keep these fast; the
real build (about two minutes) is marked slow."""

import ast
import doctest
import json
from collections import Counter
from pathlib import Path

import pytest

from cookbook.config import DataConfig
from cookbook.errors import DataError
from domains.code import data
from domains.code.benchmark_tasks import load_humaneval, load_humaneval_plus, load_unit_focal
from domains.code.build import BuildInputs, build_into
from domains.code.mining import body_key, dedupe, mine_codegen_file, pair_problem
from domains.code.sources import SourceTree, is_permissive, python_files
from domains.code.testrewrite import Unconvertible, rewrite_method

GOOD = '''
def scale_all(values, factor):
    """Multiply every value by factor and return a new list."""
    out = []
    for v in values:
        out.append(v * factor)
    return out
'''

MODULE = GOOD + '''

def _helper(x):
    """A private helper that should never become a pair."""
    y = x + 1
    return y * 2


def test_scale_all():
    """A test, not a focal function."""
    assert scale_all([1], 2) == [2]
    assert scale_all([], 2) == []


def stub(x):
    """Not implemented yet, nothing to learn here."""
    raise NotImplementedError


class Reader:
    def read_words(self, text):
        """Split text into lower-case words."""
        words = text.split()
        return [w.lower() for w in words]
'''


def mine(text, path="pkg/mod.py"):
    rejected = Counter()
    return mine_codegen_file(text, "pkg", "MIT", path, rejected), rejected


def test_filters_keep_public_documented_functions_only():
    pairs, rejected = mine(MODULE)
    assert [p.name for p in pairs] == ["scale_all", "Reader.read_words"]
    assert rejected == Counter({"private": 1, "test": 1, "trivial body": 1})
    first = pairs[0]
    assert first.prompt.startswith("def scale_all(values, factor):\n") and first.prompt.rstrip().endswith('"""')
    assert first.completion == "    out = []\n    for v in values:\n        out.append(v * factor)\n    return out\n"
    assert pairs[1].prompt.startswith("def read_words(self, text):")  # methods are dedented to column 0


def test_a_file_or_body_that_does_not_parse_is_rejected():
    pairs, rejected = mine(GOOD + "\ndef broken(:\n    pass\n")
    assert pairs == [] and rejected["file does not parse"] == 1
    assert "do not parse" in pair_problem('def f(x):\n    """Docstring of f here."""\n', "    return (x\n    y\n")


def test_length_limits_reject_long_bodies():
    body = "".join(f"    x{i} = {i}\n" for i in range(40))
    pairs, rejected = mine(f'def many(x):\n    """Assign a great many local names."""\n{body}    return x\n')
    assert pairs == [] and rejected["too long"] + rejected["body lines out of range"] == 1


def test_dedup_uses_the_normalised_body():
    other = GOOD.replace("    out = []", "    out = []  # start empty").replace("(v * factor)", "( v*factor )")
    pairs = mine(GOOD, "a.py")[0] + mine(other, "b.py")[0]
    kept, dropped = dedupe(pairs, body_key)
    assert len(pairs) == 2 and dropped == 1 and kept[0].path == "a.py"


def method(source: str):
    return ast.parse(source).body[0].body[0]


def test_unittest_asserts_become_plain_asserts():
    func, uses_pytest = rewrite_method(method('''
class T:
    def test_it(self):
        self.assertEqual(f(1), 2)
        self.assertTrue(g())
        self.assertIsNone(h(), "msg")
        self.assertAlmostEqual(f(0.1), 0.2, places=3)
        for x in [1, 2]:
            with self.subTest(x=x):
                self.assertIn(x, [1, 2])
        with self.assertRaises(ValueError) as cm:
            f(-1)
        self.assertEqual(str(cm.exception), "bad")
        self.assertRaises(TypeError, f, "a")
'''))
    text = ast.unparse(func)
    assert uses_pytest and "self" not in text
    for line in ("assert f(1) == 2", "assert g()", "assert h() is None, 'msg'",
                 "assert round(abs(f(0.1) - 0.2), 3) == 0", "assert x in [1, 2]",
                 "with pytest.raises(ValueError) as cm:", "assert str(cm.value) == 'bad'",
                 "with pytest.raises(TypeError):\n        f('a')"):
        assert line in text, line
    with pytest.raises(Unconvertible):
        rewrite_method(method("class T:\n    def test_it(self):\n        self.check(1)\n"))


FOCAL_PACKAGE = {
    "fakepkg/__init__.py": "from .textutil import count_vowels\n",
    "fakepkg/textutil.py": '''
def count_vowels(text):
    """Number of vowels in text, case-insensitively."""
    total = 0
    for ch in text.lower():
        if ch in "aeiou":
            total += 1
    return total
''',
    "fakepkg/tests/test_textutil.py": '''
import unittest
from fakepkg import count_vowels

WORD = "banana"


class CountVowelsTest(unittest.TestCase):
    def test_count_vowels(self):
        self.assertEqual(count_vowels(WORD), 3)
        with self.assertRaises(AttributeError):
            count_vowels(None)

    def test_uses_a_helper(self):
        self.check(count_vowels("a"))


def test_count_vowels_empty():
    assert count_vowels("") == 0


def test_unrelated():
    assert len("abc") == 3
''',
}


DISTINCT_BODIES = [
    "    total = 0\n    for item in data:\n        total += item\n    return total * n\n",
    "    if not data:\n        raise ValueError('empty')\n    return max(data) - min(data)\n",
    "    words = data.split()\n    return ' '.join(reversed(words[:n]))\n",
    "    seen = {}\n    for key, value in data.items():\n        seen.setdefault(value, []).append(key)\n"
    "    return seen\n",
    "    while n > 1:\n        data = data[::2]\n        n //= 2\n    return len(data)\n",
    "    try:\n        return int(data) // n\n    except (TypeError, ZeroDivisionError):\n        return None\n",
]


def fake_inputs(root: Path, planted: str = "", benchmarks=None) -> BuildInputs:
    files = dict(FOCAL_PACKAGE)
    for i, body in enumerate(DISTINCT_BODIES):
        files[f"fakepkg/mod{i}.py"] = f'def work_{i}(data, n):\n    """Function number {i} of the fake tree."""\n{body}'
    if planted:
        files["fakepkg/planted.py"] = planted
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    pkg = root / "fakepkg"

    def tree(tests):
        return SourceTree("fakepkg", "1.0", "MIT", root, python_files(pkg, tests=tests))
    return BuildInputs([tree(False)], [tree(True)], [tree(False)], benchmarks or {"none": ["x = 1"]},
                       codegen_heldout=2, unittest_heldout=1)


def test_unit_test_pairs_map_tests_to_focal_functions(tmp_path):
    out = tmp_path / "out"
    manifest = build_into(out, 0, fake_inputs(tmp_path / "src"))
    rows = [json.loads(line) for split in ("train", "test") for line in (out / f"{split}.jsonl").open()]
    tests = sorted((r for r in rows if r["kind"] == "unittest"), key=lambda r: r["line"])
    assert [r["name"].split(" <- ")[0] for r in tests] == ["fakepkg.textutil.count_vowels"] * 2
    assert tests[0]["prompt"].startswith("from fakepkg import count_vowels\n\n\ndef count_vowels(text):")
    completion = tests[0]["completion"]
    assert "WORD = 'banana'" in completion and "assert count_vowels(WORD) == 3" in completion
    assert completion.startswith("import pytest\nfrom fakepkg import count_vowels\n")
    stage = manifest["stages"]["unittest"]["candidates_rejected"]
    assert stage["needs the test case"] == 1 and stage["no focal function"] == 1
    assert manifest["tests_verified"] and manifest["stages"]["unittest"]["failing_tests_dropped"] == 0


def test_same_seed_gives_byte_identical_files(tmp_path):
    inputs = fake_inputs(tmp_path / "src")
    for name in ("a", "b"):
        build_into(tmp_path / name, 3, inputs)
    for file in ("train.jsonl", "test.jsonl", "manifest.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    inputs.verify_tests = False
    held_out = set()
    for seed in range(4, 9):
        build_into(tmp_path / f"s{seed}", seed, inputs)
        held_out.add(tuple(sorted((tmp_path / f"s{seed}" / "test.jsonl").read_text().splitlines())))
    assert len(held_out) > 1  # the seed does choose the split


def test_decontamination_drops_a_planted_humaneval_solution(tmp_path):
    task = load_humaneval()[0]
    planted = task.prompt + task.canonical_solution
    benchmarks = {"humaneval": [t.prompt + t.canonical_solution for t in load_humaneval()]}
    out = tmp_path / "out"
    manifest = build_into(out, 0, fake_inputs(tmp_path / "src", planted, benchmarks))
    text = (out / "train.jsonl").read_text() + (out / "test.jsonl").read_text()
    assert task.entry_point not in text and "work_1" in text
    report = manifest["decontamination"]["codegen"]
    assert sum(report[split]["humaneval"]["dropped"] for split in ("train", "test")) == 1
    assert all(report[s]["humaneval"]["max_overlap_kept"] < 0.3 for s in ("train", "test"))


def write_rows(tmp_path, rows):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


GOOD_ROW = {"id": "codegen-1", "kind": "codegen", "prompt": 'def f(x):\n    """Twice x, as an integer."""\n',
            "completion": "    y = int(x)\n    return 2 * y\n", "package": "stdlib", "licence": "PSF-2.0",
            "path": "m.py", "line": 3, "name": "f"}


@pytest.mark.parametrize("change, expected", [
    ({"kind": "poetry"}, ":2: kind: 'poetry' is not one of codegen, unittest"),
    ({"completion": "    return (x\n  y\n"}, ":2: completion: prompt + completion do not parse"),
    ({"prompt": "def f(x):\n" + "    # padding\n" * 80}, ":2: prompt: 1130 characters, over 800"),
    ({"line": "3"}, ":2: line: expected int, got str"),
    ({"kind": "unittest", "completion": "def helper():\n    pass\n"}, ":2: completion: expected exactly one test"),
    ({}, ":2: id: 'codegen-1' repeats line 1"),
])
def test_bad_rows_are_located(tmp_path, change, expected):
    path = write_rows(tmp_path, [GOOD_ROW, {**GOOD_ROW, **change}])
    with pytest.raises(DataError) as err:
        data.load_rows(path)
    assert str(err.value).startswith(f"{path}:2: ") and expected in str(err.value)


def test_load_examples_reads_a_given_file(tmp_path):
    path = write_rows(tmp_path, [GOOD_ROW])
    (example,) = data.load_examples(DataConfig(train_file=str(path)), "train")
    assert (example.id, example.group, example.source) == ("codegen-1", "codegen", f"{path}:1")
    assert example.fields == ("prompt", "completion")
    # the model's turn starts with the function's head; it writes (and trains on) the body, then closes the block
    assert example.answer_prefix == "```python\n" + GOOD_ROW["prompt"].rstrip("\n") + "\n"
    assert example.reference == GOOD_ROW["completion"].rstrip() + "\n```"
    assert example.program_head == GOOD_ROW["prompt"] and "\n```" in example.stops
    assert data.load_examples(DataConfig(train_file=str(path)), "train_codegen")[0].group == "stdlib"
    assert data.load_examples(DataConfig(train_file=str(path)), "train_unittest") == []


def test_licence_check():
    assert is_permissive("BSD-3-Clause") and is_permissive("Apache-2.0 OR BSD-2-Clause") and is_permissive("PSF-2.0")
    assert not is_permissive("MPL-2.0") and not is_permissive("LGPL-2.1-or-later") and not is_permissive("")


def test_benchmarks_have_164_tasks_each_and_solutions_pass():
    for tasks in (load_humaneval(), load_humaneval_plus()):
        assert len(tasks) == 164 and len({t.task_id for t in tasks}) == 164
        assert all(t.prompt and t.test and t.entry_point and t.canonical_solution for t in tasks)
        task = tasks[2]  # truncate_number: a quick check
        scope: dict = {}
        exec(task.prompt + task.canonical_solution + "\n" + task.test, scope)
        scope["check"](scope[task.entry_point])


def test_humaneval_split_scores_one_prompt_with_both_suites():
    examples = data.load_examples(DataConfig(), "humaneval")
    assert len(examples) == 164 and all(set(e.suites) == {"HumanEval", "HumanEval+"} for e in examples)
    e = examples[2]
    assert e.entry_point == "truncate_number" and e.answer_prefix.endswith(e.program_head.rstrip("\n") + "\n")
    body = e.reference.removesuffix("\n```")
    for test in e.suites.values():  # the program the sandbox would run: head + body, then the suite
        scope: dict = {}
        exec(e.program_head + body + "\n" + test, scope)
        scope["check"](scope[e.entry_point])


def test_unit_focal_functions_run_alone_and_pass_their_examples():
    tasks = load_unit_focal()
    assert len(tasks) >= 40 and len({t.entry_point for t in tasks}) == len(tasks)
    runner = doctest.DocTestRunner()
    for task in tasks:
        tree = ast.parse(task.source)
        assert not any(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.walk(tree)), task.task_id
        scope: dict = {}
        exec(task.source, scope)  # our own trusted reference code
        (test,) = doctest.DocTestFinder().find(scope[task.entry_point], task.entry_point, globs=scope)
        assert test.examples, task.task_id
        assert runner.run(test).failed == 0, task.task_id
        assert task.prompt.startswith(f"from focal import {task.entry_point}\n\n\ndef {task.entry_point}(")


@pytest.mark.slow
def test_real_build_counts():
    folder = data.build_dataset(0)
    manifest = json.loads((folder / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["train"]["by_kind"]["codegen"] >= 2000 and counts["test"]["by_kind"]["codegen"] >= 150
    assert counts["train"]["by_kind"]["unittest"] >= 300 and counts["test"]["by_kind"]["unittest"] >= 40
    assert manifest["licences"]["stdlib"] == "PSF-2.0" and all(map(is_permissive, manifest["licences"].values()))
    cfg = DataConfig()
    for split in data.SPLITS:
        assert data.load_examples(cfg, split), split


def test_a_whole_function_answer_replaces_the_head_but_keeps_its_imports():
    from domains.code.program_text import program_from_completion

    head = 'from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    """Sum."""\n'
    assert program_from_completion(head, "    return sum(xs)\n", "f") == head + "    return sum(xs)\n"
    whole = "Here it is:\n```python\ndef f(xs):\n    return sum(xs)\n```\nDone."
    program = program_from_completion(head, whole, "f")
    assert program == "from typing import List\n\n\ndef f(xs):\n    return sum(xs)\n"
    scope: dict = {}
    exec(program, scope)
    assert scope["f"]([1, 2]) == 3
