"""The hub's listing (no browser): which run counts as a domain's latest finished one, and what its card says."""

import dataclasses
import json
import os
import re
import shutil
import subprocess

import pytest

from apps import hub
from cookbook.discovery import get_recipe, load_domains
from cookbook.runs import latest_finished_run
from tests.conftest import REPO

METRICS = {"domain": "telecom", "method": "lora", "base_model": "tiny-gemma3", "steps": 6, "train_loss_first": 6.3,
           "train_loss_last": 6.2236, "eval_loss": 6.2271, "completed": True}


def fake_run(run_dir, finished: bool = True, mtime: float | None = None, metrics: dict | None = None):
    """A run directory with metrics.json and, if `finished`, adapter/adapter_config.json (all finished_run checks)."""
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.json").write_text(json.dumps(metrics or METRICS))
    if finished:
        (run_dir / "adapter").mkdir()
        (run_dir / "adapter" / "adapter_config.json").write_text("{}")
    if mtime is not None:
        os.utime(run_dir / "metrics.json", (mtime, mtime))
    return run_dir


def test_latest_finished_run_is_the_newest_that_finished(tmp_path):
    fake_run(tmp_path / "telecom" / "b-older", mtime=1_000)
    newest = fake_run(tmp_path / "telecom" / "a-newer", mtime=2_000)
    fake_run(tmp_path / "telecom" / "c-interrupted", finished=False, mtime=3_000)  # no adapter yet
    (tmp_path / "telecom" / "compare").mkdir()  # a comparison folder, not a run
    (tmp_path / "telecom" / "notes.txt").write_text("not a run")
    assert latest_finished_run(tmp_path, "telecom") == newest
    assert latest_finished_run(tmp_path, "speech") is None
    assert latest_finished_run(tmp_path / "missing", "telecom") is None


def test_statuses_list_every_domain_with_its_run_and_eval_summary(tmp_path):
    run = fake_run(tmp_path / "telecom" / "20250101-000000")
    (run / "eval").mkdir()
    (run / "eval" / "report.json").write_text(json.dumps({"summary": "rougeL 0.1000 -> 0.2000 (+0.1000)"}))
    statuses = {s.recipe.name: s for s in hub.domain_statuses(tmp_path)}
    assert list(statuses) == load_domains().names()
    telecom = statuses.pop("telecom")
    assert telecom.run_dir == run and telecom.metrics["steps"] == 6 and telecom.has_demo
    assert telecom.eval_summary == "rougeL 0.1000 -> 0.2000 (+0.1000)"
    assert statuses and all(s.run_dir is None and not s.has_demo for s in statuses.values())


def test_cards_show_the_run_or_how_to_make_one(tmp_path):
    recipe = get_recipe("telecom")
    run = tmp_path / "telecom" / "r1"
    card = hub.domain_card(hub.DomainStatus(recipe, run, METRICS, "rougeL 0.1 -> 0.2"))
    for text in (recipe.description, "task kind: `text`", f"`{run}`", "`lora` on `tiny-gemma3`", "6 steps",
                 "final train loss 6.224", "eval loss 6.227", "eval: rougeL 0.1 -> 0.2", "the **telecom** tab"):
        assert text in card
    card = hub.domain_card(hub.DomainStatus(recipe, run, {**METRICS, "completed": False}, ""))
    assert "not evaluated yet — `make eval DOMAIN=telecom" in card and "not completed" in card
    card = hub.domain_card(hub.DomainStatus(dataclasses.replace(recipe, demo_module=""), run, METRICS, ""))
    assert "no demo" in card
    card = hub.domain_card(hub.DomainStatus(recipe, None, {}, ""))
    assert "no finished run yet — `make finetune DOMAIN=telecom`" in card and "latest finished run" not in card


def test_the_hub_names_no_domain():
    source = (REPO / "apps" / "hub.py").read_text()
    for name in load_domains().names():
        assert not re.search(rf"\b{re.escape(name)}\b", source), f"apps/hub.py names the domain '{name}'"


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
@pytest.mark.parametrize("args, expected", [
    ([], "cookbook demo --runs-root \"runs\" --port 7860"),
    (["hub", "RUNS_ROOT=/tmp/r"], "cookbook demo --runs-root \"/tmp/r\" --port 7860"),
    (["DOMAIN=speech", "RUN=runs/speech/x"], "cookbook demo speech --run \"runs/speech/x\" --port 7860"),
])
def test_make_demo_is_the_hub_unless_a_domain_is_given(args, expected):
    # Under `make test` the environment carries the outer make's MAKELEVEL/MAKEFLAGS (a nested make then prints
    # "Entering/Leaving directory" lines): run this make as a top-level one.
    env = {k: v for k, v in os.environ.items()
           if k not in {"DOMAIN", "RUN", "RUNS_ROOT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    target = [] if args[:1] == ["hub"] else ["demo"]
    proc = subprocess.run(["make", "-n", "--no-print-directory", *target, *args], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout.splitlines()[-1]
