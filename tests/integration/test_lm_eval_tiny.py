"""`make lm-eval` with the hf backend on the tiny run: lm-eval in-process, base and tuned (peft=adapter), two
questions; results JSON and summary land in RUN/lm_eval/."""

import json
import math
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration


def lm_eval_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "judges.lm_eval_run", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def test_hf_backend_writes_results_and_summary(tiny_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run, ignore=shutil.ignore_patterns("checkpoints", "eval", "lm_eval"))
    proc = lm_eval_cli("--domain", "telecom", "--run", str(run), "--backend", "hf", "--limit", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]

    report = json.loads((run / "lm_eval" / "results_hf.json").read_text())
    assert report["backend"] == "hf" and report["limit"] == 2 and set(report["systems"]) == {"base", "tuned"}
    for name, system in report["systems"].items():
        overall = system["overall"]
        assert overall["n"] == 2 and len(system["answers"]) == 2, name
        for metric in ("rougeL", "token_f1"):
            assert isinstance(overall[metric], float) and 0.0 <= overall[metric] <= 1.0, (name, metric)
            # the overall score is the mean of the per-answer scores lm-eval logged
            per_answer = [a[metric] for a in system["answers"]]
            assert math.isclose(overall[metric], sum(per_answer) / 2, abs_tol=1e-9)
        assert system["by_group"] == {"network_fundamentals": {**system["by_group"]["network_fundamentals"],
                                                               "n": 2}}
        assert (run / "lm_eval" / "cache" / f"hf_{name}_rank0.db").is_file()
    assert "peft=" in report["systems"]["tuned"]["model_args"]
    assert "peft=" not in report["systems"]["base"]["model_args"]
    assert set(report["delta"]) == {"rougeL", "token_f1"}

    summary = (run / "lm_eval" / "summary.md").read_text()
    assert "| base | 2 |" in summary and "| tuned | 2 |" in summary and "lm_eval --model hf" in summary

