"""Scores of the unit-test-generation split (`unit_focal`): each sampled completion is a pytest file for one focal
function, scored in the sandbox by domains/code/unittest_score.py (parses, runs, passes on the reference, line and
branch coverage of the focal function, mutation score). Per problem the metrics are averaged over its samples;
overall and per group, over problems. Mutation score comes first: it is what the comparison plots."""

from __future__ import annotations

from collections import defaultdict

from domains.code.benchmark_tasks import FocalTask, load_unit_focal
from domains.code.unittest_score import ScoreConfig, UnitTestScore, score_unit_test

# (metrics key, UnitTestScore field), in report order
UNIT_METRICS = (("mutation score", "mutation_score"), ("line coverage", "line_coverage"),
                ("branch coverage", "branch_coverage"), ("passes", "passes"), ("runs", "runs"),
                ("parses", "parses"))


def focal_tasks() -> dict[str, FocalTask]:
    return {t.task_id: t for t in load_unit_focal()}


def is_unit_split(examples: list) -> bool:
    tasks = focal_tasks()
    return bool(examples) and all(e.id in tasks for e in examples)


def _row(scores: list[UnitTestScore]) -> dict:
    row: dict = {key: sum(float(getattr(s, name)) for s in scores) / len(scores) for key, name in UNIT_METRICS}
    row["mutants"] = sum(s.mutants for s in scores)
    row["killed"] = sum(s.killed for s in scores)
    row["reasons"] = [s.reason for s in scores]
    return row


def unit_test_scores(examples: list, samples: list[list[str]], config: ScoreConfig | None = None) -> dict:
    """Recipe.score shape (overall / by_group / per_example) for the unit-test split."""
    tasks = focal_tasks()
    per_example, groups = [], defaultdict(list)
    for example, completions in zip(examples, samples, strict=True):
        scores = [score_unit_test(tasks[example.id], text, config) for text in completions]
        row = _row(scores) if scores else {key: 0.0 for key, _ in UNIT_METRICS}
        per_example.append(row)
        groups[example.group].append(row)

    def mean(rows: list[dict]) -> dict:
        out = {key: sum(r[key] for r in rows) / len(rows) if rows else 0.0 for key, _ in UNIT_METRICS}
        return {**out, "n": len(rows)}

    return {"overall": mean(per_example), "by_group": {g: mean(rows) for g, rows in sorted(groups.items())},
            "per_example": per_example, "samples_per_problem": min((len(s) for s in samples), default=0)}
