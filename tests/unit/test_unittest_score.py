"""The unit-test scorer of the code domain: the AST mutator (domains/code/mutation.py) and the sandboxed scoring of
a generated pytest file (domains/code/unittest_score.py). The scoring tests run in the real sandbox, on small
focal functions (a few mutants each)."""

from __future__ import annotations

import ast

import pytest

from domains.code.benchmark_tasks import FocalTask, load_unit_focal
from domains.code.mutation import OPERATORS, mutants
from domains.code.unittest_score import ScoreConfig, UnitTestScore, aggregate, coverage_of, score_unit_test

ALL_OPERATORS = '''LIMIT = 3


def helper(a):
    return a < LIMIT


def focal(xs, flag):
    """Every operator has something to change here."""
    total = 0
    for x in xs:
        if x < 3 and not flag:
            total += x * 2
    if total is None:
        return False
    return total > -1
'''


def _task(name: str, source: str) -> FocalTask:
    return FocalTask(task_id=f"test/{name}", entry_point=name, source=source, prompt="", origin="test")


def test_mutator_makes_each_operator_inside_the_focal_function_only():
    ms = mutants(ALL_OPERATORS, "focal", max_mutants=None)
    assert {m.operator for m in ms} == set(OPERATORS)
    described = {(m.operator, m.description) for m in ms}
    for expected in [("compare", "`<` -> `<=`"), ("compare", "`<` -> `>=`"), ("compare", "`is` -> `is not`"),
                     ("constant", "`3` -> `4`"), ("constant", "`-1` -> `-2`"), ("boolean", "`and` -> `or`"),
                     ("boolean", "`not flag` -> `flag`"), ("arithmetic", "`+` -> `-`"), ("arithmetic", "`*` -> `/`"),
                     ("statement", "`total += x * 2` -> `pass`"), ("return", "`return False` -> `return True`"),
                     ("return", "`return total > -1` -> `return None`")]:
        assert expected in described
    prefix = ALL_OPERATORS[:ALL_OPERATORS.index("def focal")]
    original = ast.unparse(ast.parse(ALL_OPERATORS))
    for m in ms:
        assert m.source.startswith(prefix)  # LIMIT and helper stay as written
        assert ast.unparse(ast.parse(m.source)) != original
    # the docstring is never dropped; a statement's mutant is on that statement's line
    assert not any("Every operator" in m.description for m in ms)
    assert {m.line for m in ms if m.description == "`total += x * 2` -> `pass`"} == {13}


def test_mutants_are_deterministic_distinct_and_capped_by_a_seeded_sample():
    full = mutants(ALL_OPERATORS, "focal", max_mutants=None)
    assert full == mutants(ALL_OPERATORS, "focal", max_mutants=None)
    assert len({m.source for m in full}) == len(full)
    capped = mutants(ALL_OPERATORS, "focal", max_mutants=5, seed=1)
    assert len(capped) == 5 and capped == mutants(ALL_OPERATORS, "focal", max_mutants=5, seed=1)
    positions = [full.index(m) for m in capped]
    assert positions == sorted(positions)  # a sample keeps the order
    assert capped != mutants(ALL_OPERATORS, "focal", max_mutants=5, seed=2)


def test_mutants_equal_by_text_are_dropped():
    # dropping either `not` of `not not x` gives `not x`: one mutant, not two
    ms = mutants("def f(x):\n    return not not x\n", "f", max_mutants=None)
    assert [m.description for m in ms if m.operator == "boolean"] == ["`not not x` -> `not x`"]
    with pytest.raises(ValueError, match="no top-level function"):
        mutants("x = 1\n", "f")


CLAMP = next(t for t in load_unit_focal() if t.entry_point == "clamp")
STRONG_CLAMP = '''import pytest
from focal import clamp


def test_inside_and_at_the_edges():
    assert clamp(2, 0, 3) == 2
    assert clamp(0, 0, 3) == 0
    assert clamp(3, 0, 3) == 3


def test_outside():
    assert clamp(-1, 0, 3) == 0
    assert clamp(5, 0, 3) == 3


def test_bad_range():
    with pytest.raises(ValueError):
        clamp(1, 4, 3)
    assert clamp(4, 4, 4) == 4
'''
WEAK_CLAMP = '''from focal import clamp


def test_inside():
    assert clamp(2, 0, 3) == 2
'''


@pytest.fixture(scope="module")
def clamp_scores() -> tuple[UnitTestScore, UnitTestScore]:
    return score_unit_test(CLAMP, STRONG_CLAMP), score_unit_test(CLAMP, WEAK_CLAMP)


def test_a_strong_test_kills_more_mutants_than_a_weak_one(clamp_scores):
    strong, weak = clamp_scores
    assert (strong.parses, strong.runs, strong.passes, strong.n_tests) == (True, True, True, 3)
    assert (weak.parses, weak.runs, weak.passes, weak.n_tests) == (True, True, True, 1)
    assert strong.mutants == weak.mutants == 10 and strong.incompetent == weak.incompetent == 0
    # the two survivors are equivalent: at value == low (high), returning low (high) is returning value
    assert strong.killed == 8 and strong.mutation_score == pytest.approx(0.8)
    assert sorted(strong.survived) == ["line 11: `>` -> `>=`", "line 9: `<` -> `<=`"]
    assert weak.killed == 4 and weak.mutation_score == pytest.approx(0.4)
    # the weak test never reaches the raise or the two early returns: those mutants survive without a run
    assert weak.not_reached == 3 and strong.not_reached == 0
    assert strong.reason == weak.reason == ""


def test_coverage_of_the_focal_function(clamp_scores):
    strong, weak = clamp_scores
    assert strong.line_coverage == 1.0 and strong.branch_coverage == 1.0
    # one path: 4 of the body's 7 statements, 3 of its 6 branch arcs
    assert weak.line_coverage == pytest.approx(4 / 7) and weak.branch_coverage == pytest.approx(0.5)


def test_a_test_failing_on_the_reference_gets_no_credit():
    s = score_unit_test(CLAMP, "from focal import clamp\n\n\ndef test_wrong():\n    assert clamp(2, 0, 3) == 2\n"
                               "    assert clamp(5, 0, 3) == 5\n")
    assert (s.parses, s.runs, s.passes, s.n_tests) == (True, True, False, 1)
    assert (s.line_coverage, s.branch_coverage, s.mutants, s.killed, s.mutation_score) == (0, 0, 0, 0, 0)
    assert s.reason.startswith("fails on the reference: 1 failed")


def test_a_test_that_does_not_parse_or_collects_nothing():
    bad = score_unit_test(CLAMP, "def test_x(:\n    pass\n")
    assert (bad.parses, bad.runs, bad.passes) == (False, False, False)
    assert bad.reason.startswith("does not parse: line 1")
    empty = score_unit_test(CLAMP, "from focal import clamp\n\nVALUE = clamp(1, 0, 2)\n")
    assert (empty.parses, empty.runs, empty.passes, empty.n_tests) == (True, False, False, 0)
    assert empty.reason == "no test collected"
    broken = score_unit_test(CLAMP, "from focal import clamp_it\n\n\ndef test_x():\n    assert clamp_it(1, 0, 2)\n")
    assert (broken.parses, broken.runs, broken.passes) == (True, False, False)
    assert broken.reason.startswith("collection error")


def test_a_mutant_that_does_not_import_is_incompetent():
    # `(5,)[0]` -> `(5,)[1]` raises IndexError when the module is imported: incompetent, out of the denominator;
    # `(5,)[-1]` is the same value (equivalent): it survives
    task = _task("pick", "def pick(x, d=(5,)[0]):\n    return x + d\n")
    s = score_unit_test(task, "from focal import pick\n\n\ndef test_pick():\n    assert pick(1) == 6\n")
    assert s.passes and s.mutants == 6 and s.incompetent == 1 and s.killed == 4
    assert s.survived == ["line 1: `0` -> `-1`"]
    assert s.mutation_score == pytest.approx(4 / 5)


def test_a_mutant_that_loops_forever_counts_as_killed_by_timeout():
    task = _task("count_down", "def count_down(n):\n    steps = 0\n    while n > 0:\n        n -= 1\n"
                               "        steps += 1\n    return steps\n")
    s = score_unit_test(task, "from focal import count_down\n\n\ndef test_it():\n    assert count_down(3) == 3\n"
                              "    assert count_down(0) == 0\n", ScoreConfig(mutant_timeout_s=30))
    assert s.passes and s.incompetent == 0
    # `n -= 1` dropped, turned into `n += 1` or into `n -= 0`: the loop never ends (each stopped by RLIMIT_CPU
    # after 2 CPU seconds, well before the 30 s wall clock)
    assert s.timeouts == 3 and s.killed == s.mutants and s.mutation_score == 1.0


def test_coverage_of_keeps_to_the_function_lines_and_aggregate_means():
    report = {"files": {"focal.py": {"executed_lines": [1, 3, 4, 9], "missing_lines": [5, 6],
                                     "executed_branches": [[3, 4], [9, 10]], "missing_branches": [[3, 5]]}}}
    lines, branches, never = coverage_of(report, (3, 6))
    assert (lines, branches, never) == (0.5, 0.5, {5, 6})
    no_branch = {"files": {"focal.py": {"executed_lines": [3], "missing_lines": [4]}}}
    assert coverage_of(no_branch, (3, 4))[:2] == (0.5, 0.5)  # no branch: the line coverage
    assert coverage_of({}, (3, 4)) == (0.0, 0.0, set())
    good = UnitTestScore("a", True, True, True, 3, 1.0, 0.5, 10, 8, 0, 0.8)
    bad = UnitTestScore("b", True, False, False, 0)
    agg = aggregate([good, bad])
    assert agg["n"] == 2 and agg["parses"] == 1.0 and agg["passes"] == 0.5
    assert agg["line_coverage"] == 0.5 and agg["branch_coverage"] == 0.25 and agg["mutation_score"] == 0.4
    assert agg["n_tests"] == 1.5 and (agg["mutants"], agg["killed"]) == (10, 8)
    assert aggregate([])["n"] == 0


# Hand-written tests of five benchmark functions (the measurement in domains/code/README.md)
GOOD_TESTS = {
    "roman_to_int": """import pytest
from focal import roman_to_int


def test_values():
    assert roman_to_int("I") == 1
    assert roman_to_int("III") == 3
    assert roman_to_int("IV") == 4
    assert roman_to_int("IX") == 9
    assert roman_to_int("XL") == 40
    assert roman_to_int("MCMXCIV") == 1994
    assert roman_to_int("CDXLIV") == 444
    assert roman_to_int("DCL") == 650
    assert roman_to_int("mmxxiv") == 2024
    assert roman_to_int("") == 0


def test_bad_digit():
    with pytest.raises(ValueError):
        roman_to_int("XIZ")
""",
    "luhn_valid": """from focal import luhn_valid


def test_valid_and_invalid():
    assert luhn_valid("4539 3195 0343 6467") is True
    assert luhn_valid("8273 1232 7352 0569") is False
    assert luhn_valid("79927398713") is True
    assert luhn_valid("79927398710") is False
    assert luhn_valid("18") is True
    assert luhn_valid("59") is True


def test_too_short_or_not_digits():
    assert luhn_valid("0") is False
    assert luhn_valid("") is False
    assert luhn_valid("12a4") is False
    assert luhn_valid("00") is True
""",
    "merge_intervals": """import pytest
from focal import merge_intervals


def test_merge():
    assert merge_intervals([(5, 7), (1, 3), (2, 4), (7, 8)]) == [(1, 4), (5, 8)]
    assert merge_intervals([(1, 2), (3, 4)]) == [(1, 2), (3, 4)]
    assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]
    assert merge_intervals([(1, 1)]) == [(1, 1)]
    assert merge_intervals([]) == []


def test_bad_interval():
    with pytest.raises(ValueError):
        merge_intervals([(3, 1)])
""",
    "parse_duration": """import pytest
from focal import parse_duration


def test_durations():
    assert parse_duration("1h30m") == 5400
    assert parse_duration("2d4h5s") == 187205
    assert parse_duration("45s") == 45
    assert parse_duration(" 1m ") == 60
    assert parse_duration("1d") == 86400
    assert parse_duration("10m2s") == 602


@pytest.mark.parametrize("text", ["", "5", "m", "1m1h", "1h1h", "3x", "1h 2m"])
def test_malformed(text):
    with pytest.raises(ValueError):
        parse_duration(text)
""",
    "binary_search": """from focal import binary_search


def test_found():
    assert binary_search([1, 3, 3, 5, 8], 3) == 1
    assert binary_search([1, 3, 5], 1) == 0
    assert binary_search([1, 3, 5], 5) == 2
    assert binary_search([2, 2, 2, 2], 2) == 0
    assert binary_search([1, 2, 3, 4, 5, 6, 7], 6) == 5


def test_absent():
    assert binary_search([1, 3, 5], 4) == -1
    assert binary_search([1, 3, 5], 0) == -1
    assert binary_search([1, 3, 5], 9) == -1
    assert binary_search([], 1) == -1
""",
}


@pytest.mark.slow
def test_hand_written_tests_of_benchmark_functions_score_high():
    tasks = {t.entry_point: t for t in load_unit_focal()}
    scores = [score_unit_test(tasks[name], test) for name, test in GOOD_TESTS.items()]
    for s in scores:
        assert s.passes and s.line_coverage == 1.0 and s.branch_coverage == 1.0, s
        assert s.mutation_score >= 0.8, s
    assert aggregate(scores)["mutation_score"] >= 0.9
