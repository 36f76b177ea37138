"""Run sampled programs against their examples' test suites in the sandbox and score them by pass@k, per suite.

A domain's `score(samples, examples)` calls `pass_at_k_scores` for examples that carry suites; the returned dict
has the Recipe.score shape (overall / by_group / per_example), with keys "<suite> pass@<k>"."""

from __future__ import annotations

from collections import defaultdict

from cookbook.sandbox import Job, run_many
from cookbook.tasks.program.passk import pass_at_k, reported_ks

TIMEOUT_S = 10.0  # per program and suite: HumanEval+'s largest suites take ~1 s here; a loop must not stall a run


def jobs_for(examples: list, samples: list[list[str]]) -> list[tuple[int, int, str, Job]]:
    """(example index, sample index, suite name, sandbox job) for every sample and suite."""
    return [(i, j, suite, Job(program=e.program_head + completion, test=test, entry_point=e.entry_point or None))
            for i, (e, completions) in enumerate(zip(examples, samples, strict=True))
            for j, completion in enumerate(completions)
            for suite, test in e.suites.items()]


def run_suites(examples: list, samples: list[list[str]], timeout_s: float = TIMEOUT_S,
               workers: int | None = None) -> list[dict[str, list[dict]]]:
    """Per example: {suite: [{"passed", "status"} per sample]} from one sandboxed run each."""
    planned = jobs_for(examples, samples)
    results = run_many([job for *_, job in planned], workers=workers, timeout_s=timeout_s)
    out: list[dict[str, list[dict]]] = [defaultdict(list) for _ in examples]
    for (i, _, suite, _), result in zip(planned, results, strict=True):
        out[i][suite].append({"passed": result.passed, "status": result.status})
    return [dict(d) for d in out]


def pass_at_k_scores(examples: list, samples: list[list[str]], timeout_s: float = TIMEOUT_S,
                     workers: int | None = None) -> dict:
    """pass@k per suite (every k the sample count allows), overall and by group, plus per-example verdicts."""
    n = min((len(s) for s in samples), default=0)
    ks = reported_ks(n)
    verdicts = run_suites(examples, samples, timeout_s, workers)
    per_example, groups = [], defaultdict(list)
    for e, by_suite in zip(examples, verdicts, strict=True):
        row: dict = {}
        for suite, runs in by_suite.items():
            passed = sum(r["passed"] for r in runs)
            row[f"{suite} passed"] = passed
            row.update({f"{suite} pass@{k}": pass_at_k(len(runs), passed, k) for k in ks})
            row[f"{suite} statuses"] = [r["status"] for r in runs]
        per_example.append(row)
        groups[e.group].append(row)

    def mean(rows: list[dict]) -> dict:
        keys = [k for k in rows[0] if " pass@" in k] if rows else []
        return {**{k: sum(r[k] for r in rows) / len(rows) for k in keys}, "n": len(rows)}

    return {"overall": mean(per_example), "by_group": {g: mean(rows) for g, rows in sorted(groups.items())},
            "per_example": per_example, "samples_per_problem": n}
