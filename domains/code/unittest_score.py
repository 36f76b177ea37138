"""Scoring a model-written pytest file for one focal function: validity, pass rate, coverage, mutation score.

    score_unit_test(task, test_source, config) -> UnitTestScore
    score_unit_tests([(task, test_source), ...], config) -> [UnitTestScore, ...]
    aggregate(scores) -> {"n": ..., "parses": mean, ..., "mutation_score": mean}

Everything runs in the project's sandbox (`cookbook.sandbox.run_command`): the test is the model's code. One run
on the reference (`focal.py` = the task's source, `test_gen.py` = the test) under coverage.py with branch
measurement; if every test passes there, one run per mutant of the focal function (domains/code/mutation.py),
several at a time. A run is `python -c _DRIVER`: pytest in-process (plugin autoload off: it halves the start-up,
and a generated test needs only pytest's builtins), so a mutant costs one sandbox start and one pytest import.

Definitions (domains/code/README.md):
  parses          the file is Python (`ast.parse`)
  runs            pytest collected at least one test and collection did not fail (exit status 0 or 1)
  passes          every test passed on the reference (exit status 0)
  line_coverage   executed / all statements of the focal function's body (its def line and docstring left out)
  branch_coverage taken / all branch arcs leaving a line of the body (coverage.py's arcs); a function with no
                  branch has its line coverage here
  mutation_score  killed / (mutants - incompetent), 0 without a competent mutant. Killed: pytest failed on the
                  mutant (any non-zero exit, a crash, or out of CPU time: a mutant that hangs a test was
                  detected). Incompetent: the mutated module fails to import. A mutant on a line the tests never
                  reach on the reference survives without a run (it cannot change what they see). Coverage and
                  mutation credit only if `passes`.
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from cookbook.sandbox import Limits, cores, run_command
from domains.code.benchmark_tasks import FOCAL_MODULE, FocalTask
from domains.code.mutation import DEFAULT_MAX_MUTANTS, Mutant, mutants

TEST_FILE = "test_gen.py"
INCOMPETENT_EXIT = 86  # the driver's exit status when the (mutated) focal module does not import
# pytest.ini pins the rootdir and config to the working directory: nothing above it is read
_PYTEST_INI = "[pytest]\n"
# Runs in the sandbox, as `python -c`: 86 below is INCOMPETENT_EXIT.
_DRIVER = r"""
import json, os, sys, time
os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
import pytest
mode, module, test_file = sys.argv[1], sys.argv[2], sys.argv[3]
args = ["-q", "-p", "no:cacheprovider", test_file]
if mode == "mutant":
    try:
        __import__(module)
    except BaseException:
        os._exit(86)
    sys.exit(int(pytest.main(["-x", *args])))
import coverage
class Count:
    def __init__(self):
        self.counts = {"collected": 0, "failed": 0}
    def pytest_collection_finish(self, session):
        self.counts["collected"] = len(session.items)
    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.counts["failed"] += 1
count = Count()
cov = coverage.Coverage(branch=True, data_file=None, include=[os.path.abspath(module + ".py")])
cov.start()
started = time.process_time()
try:
    code = int(pytest.main(args, plugins=[count]))
finally:
    cov.stop()
seconds = time.process_time() - started
try:
    cov.json_report(outfile="coverage.json")
except coverage.exceptions.NoDataError:
    pass
with open("outcome.json", "w") as fh:
    json.dump({"exit": code, "seconds": seconds, **count.counts}, fh)
sys.exit(code)
"""


@dataclass(frozen=True)
class ScoreConfig:
    max_mutants: int | None = DEFAULT_MAX_MUTANTS  # over it, a seeded sample (mutation.py)
    seed: int = 0
    # The reference run (start-up and coverage included): CPU seconds, and a wall clock behind them that a busy
    # machine does not reach (a run niced under a training job gets a few percent of a core)
    reference_cpu_s: float = 30.0
    timeout_s: float = 600.0
    # A mutant run's limit is CPU time, not wall clock, so a busy machine never reads as a kill: the pytest
    # session may use `slowdown` times the reference's CPU time, and at least `test_budget_s`, plus `startup_s`
    # for the interpreter and the pytest import (about 0.3 s); RLIMIT_CPU has whole seconds, so 2 s by default.
    # An infinite loop then costs 2 CPU seconds. `mutant_timeout_s` is the wall clock behind it, for a hang
    # that uses no CPU.
    test_budget_s: float = 1.0  # a session here takes 0.1-0.2 CPU s (0.15 s for 8 tests under coverage)
    slowdown: float = 10.0
    startup_s: float = 1.0
    mutant_timeout_s: float = 300.0
    workers: int | None = None  # mutant runs at a time; None: the cores we may use
    skip_uncovered: bool = True  # a mutant on a line the tests never reach survives without a run


@dataclass
class UnitTestScore:
    task_id: str
    parses: bool = False
    runs: bool = False
    passes: bool = False
    n_tests: int = 0
    line_coverage: float = 0.0
    branch_coverage: float = 0.0
    mutants: int = 0
    killed: int = 0  # timeouts included
    incompetent: int = 0
    mutation_score: float = 0.0
    reason: str = ""  # why a step failed; "" when the test passed and was scored
    timeouts: int = 0  # of the killed, how many by the time limit
    not_reached: int = 0  # of the survivors, how many were on lines the tests never run (not run)
    survived: list[str] = field(default_factory=list)  # "line 9: `<` -> `<=`" per surviving mutant
    seconds: float = 0.0


def _files(module_source: str, test_source: str) -> dict[str, str]:
    return {f"{FOCAL_MODULE}.py": module_source, TEST_FILE: test_source, "pytest.ini": _PYTEST_INI}


def _argv(mode: str) -> list[str]:
    return ["python", "-c", _DRIVER, mode, FOCAL_MODULE, TEST_FILE]


def _body_range(source: str, name: str) -> tuple[int, int]:
    """First and last line of the function's body, the docstring left out."""
    func = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str) and len(body) > 1:
        body = body[1:]
    return body[0].lineno, func.end_lineno


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def coverage_of(report: dict, line_range: tuple[int, int]) -> tuple[float, float, set[int]]:
    """(line coverage, branch coverage, lines never run) of the lines in `line_range`, from a coverage.py JSON
    report of the focal module."""
    entry = next((v for k, v in report.get("files", {}).items() if k.endswith(f"{FOCAL_MODULE}.py")), None)
    if entry is None:
        return 0.0, 0.0, set()
    lo, hi = line_range
    run = [n for n in entry.get("executed_lines", []) if lo <= n <= hi]
    missed = {n for n in entry.get("missing_lines", []) if lo <= n <= hi}
    taken = [a for a in entry.get("executed_branches", []) if lo <= a[0] <= hi]
    missing = [a for a in entry.get("missing_branches", []) if lo <= a[0] <= hi]
    lines = _ratio(len(run), len(run) + len(missed))
    branches = _ratio(len(taken), len(taken) + len(missing)) if taken or missing else lines
    return lines, branches, missed


def _reference_failure(exit_code: int | None, status: str, outcome: dict, stdout: str) -> str:
    """Why the reference run did not pass, in one line."""
    summary = next((ln.strip() for ln in reversed(stdout.splitlines()) if ln.strip()), "")[:200]
    if status == "timeout":
        return "timeout on the reference"
    if exit_code == 5 or (exit_code in (0, 1) and not outcome.get("collected")):
        return "no test collected"
    if exit_code == 1:
        return f"fails on the reference: {summary}"
    if exit_code == 2:
        return f"collection error: {summary}"
    return f"pytest did not run the tests (status {status}, exit {exit_code}): {summary}"


def _run_mutant(mutant: Mutant, test_source: str, limits: Limits) -> str:
    """'killed', 'timeout', 'incompetent', 'survived' or 'error' (the sandbox did not start)."""
    r = run_command(_argv("mutant"), files=_files(mutant.source, test_source), limits=limits)
    if r.status == "passed":
        return "survived"
    if r.status == "timeout":  # RLIMIT_CPU (SIGXCPU) or the wall clock
        return "timeout"
    if r.status == "error":
        return "error"
    return "incompetent" if r.returncode == INCOMPETENT_EXIT else "killed"


def _mutation(task: FocalTask, test_source: str, never_run: set[int], test_seconds: float,
              config: ScoreConfig, score: UnitTestScore) -> None:
    todo = mutants(task.source, task.entry_point, max_mutants=config.max_mutants, seed=config.seed)
    score.mutants = len(todo)
    skip = [config.skip_uncovered and m.line in never_run for m in todo]
    run = [m for m, s in zip(todo, skip, strict=True) if not s]
    # never more than the reference itself was allowed: the reported time is the test's process's word
    cpu = config.startup_s + min(max(config.test_budget_s, config.slowdown * test_seconds), config.reference_cpu_s)
    limits = Limits(timeout_s=max(config.mutant_timeout_s, 2 * cpu), cpu_s=cpu)
    workers = max(1, min(config.workers or cores(), len(run) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts = iter(list(pool.map(lambda m: _run_mutant(m, test_source, limits), run)))
    outcomes = ["not_reached" if s else next(verdicts) for s in skip]
    score.timeouts = outcomes.count("timeout")
    score.killed = outcomes.count("killed") + score.timeouts
    errors = outcomes.count("error")
    # a run that never started says nothing about the mutant: left out of the denominator, like an incompetent one
    score.incompetent = outcomes.count("incompetent") + errors
    score.not_reached = outcomes.count("not_reached")
    score.survived = [f"line {m.line}: {m.description}" for m, o in zip(todo, outcomes, strict=True)
                      if o in ("survived", "not_reached")]
    competent = score.mutants - score.incompetent
    score.mutation_score = score.killed / competent if competent else 0.0  # no competent mutant: no evidence
    if errors:
        score.reason = f"{errors} mutant run(s) did not start in the sandbox (counted as incompetent)"


def score_unit_test(task: FocalTask, test_source: str, config: ScoreConfig | None = None) -> UnitTestScore:
    """Score one generated test file against one focal task (see the module docstring for the metrics)."""
    config = config or ScoreConfig()
    start = time.monotonic()
    score = UnitTestScore(task_id=task.task_id)
    try:
        ast.parse(test_source)
    except SyntaxError as exc:
        score.reason = f"does not parse: line {exc.lineno}: {exc.msg}"
        score.seconds = round(time.monotonic() - start, 3)
        return score
    score.parses = True
    ref = run_command(_argv("reference"), files=_files(task.source, test_source),
                      collect=["coverage.json", "outcome.json"],
                      limits=Limits(timeout_s=config.timeout_s, cpu_s=config.reference_cpu_s))
    outcome = _load_json(ref.files.get("outcome.json"))
    score.n_tests = int(outcome.get("collected", 0) or 0)
    exit_code = ref.returncode if ref.status in ("passed", "failed") else None
    score.runs = exit_code in (0, 1) and score.n_tests >= 1
    score.passes = score.runs and exit_code == 0
    if not score.passes:
        score.reason = _reference_failure(exit_code, ref.status, outcome, ref.stdout)
    else:
        report = _load_json(ref.files.get("coverage.json"))
        score.line_coverage, score.branch_coverage, never_run = coverage_of(
            report, _body_range(task.source, task.entry_point))
        _mutation(task, test_source, never_run, _seconds(outcome.get("seconds")), config, score)
    score.seconds = round(time.monotonic() - start, 3)
    return score


def _load_json(raw: bytes | None) -> dict:
    """A JSON object the run wrote, or {} if it is missing or not one (the test may have written over it)."""
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _seconds(value) -> float:
    """The reference's CPU time for its tests as the run reported it (0 if it is not a sane number of seconds)."""
    return float(value) if isinstance(value, int | float) and 0 <= value < 3600 else 0.0


def score_unit_tests(pairs: Iterable[tuple[FocalTask, str]], config: ScoreConfig | None = None
                     ) -> list[UnitTestScore]:
    """score_unit_test for each (task, test source), in order; each one's mutants run in parallel."""
    return [score_unit_test(task, test, config) for task, test in pairs]


METRICS = ("parses", "runs", "passes", "n_tests", "line_coverage", "branch_coverage", "mutation_score")


def aggregate(scores: Sequence[UnitTestScore]) -> dict[str, float | int]:
    """{"n": count, metric: mean over all scores} for each of METRICS (booleans as rates); a test that failed
    a step counts with 0 for what it did not earn. Also the mutant totals."""
    out: dict[str, float | int] = {"n": len(scores)}
    for name in METRICS:
        out[name] = round(sum(float(getattr(s, name)) for s in scores) / len(scores), 4) if scores else 0.0
    for name in ("mutants", "killed", "incompetent"):
        out[name] = sum(getattr(s, name) for s in scores)
    return out

