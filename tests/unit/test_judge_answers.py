"""What `make judge` grades: an eval report's answers are reused only when they carry every key a judge reads;
otherwise (a kind whose eval writes other keys) the task kind's `answers` hook generates them."""

import json
from types import SimpleNamespace

from judges import run as judge_run

FULL = {"id": "a", "group": "g", "question": "q", "reference": "r", "base": "b", "tuned": "t"}


def _report(tmp_path, answers):
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "report.json").write_text(json.dumps({"answers": answers}))


def test_complete_answers_are_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(judge_run, "check_run", lambda run_dir, domain: {})
    _report(tmp_path, [FULL])
    assert judge_run.load_answers("toy", tmp_path) == [FULL]


def test_answers_missing_a_key_are_generated_by_the_task_kind(tmp_path, monkeypatch):
    import cookbook.discovery
    import cookbook.runs
    import cookbook.tasks

    monkeypatch.setattr(judge_run, "check_run", lambda run_dir, domain: {})
    _report(tmp_path, [{k: v for k, v in FULL.items() if k != "question"}])
    generated = [dict(FULL, id="fresh")]
    monkeypatch.setattr(cookbook.discovery, "get_recipe", lambda name: SimpleNamespace(task="toykind"))
    monkeypatch.setattr(cookbook.runs, "load_run_config", lambda run_dir: None)
    monkeypatch.setattr(cookbook.tasks, "get_task",
                        lambda name: SimpleNamespace(name=name, answers=lambda cfg, recipe, run_dir: generated))
    assert judge_run.load_answers("toy", tmp_path) == generated
