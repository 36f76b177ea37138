"""The code recipe end to end on the tiny model: it trains on mined pairs, and its eval samples HumanEval
completions, runs them against HumanEval's and HumanEval+'s tests in the sandbox and reports pass@k, and samples tests
for the held-out focal functions and scores their coverage and mutation score; a second eval reuses the samples."""

import json

import pytest

from tests.conftest import read_metrics, run_cli, train_tiny

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def code_run(tmp_path_factory):
    return train_tiny(tmp_path_factory, "code")


def test_code_recipe_trains_and_scores_humaneval_in_the_sandbox(code_run):
    m = read_metrics(code_run)
    assert m["completed"] is True and m["domain"] == "code" and m["train_examples"] == 32
    proc = run_cli("eval", "code", "--run", str(code_run))
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((code_run / "eval" / "report.json").read_text())
    section = report["splits"]["humaneval"]
    assert section["n_examples"] == 4 and report["sampling"]["n"] == 2
    for name in ("base", "tuned"):
        overall = section["systems"][name]["overall"]
        assert set(overall) == {"HumanEval pass@1", "HumanEval+ pass@1", "n"}
        assert all(0.0 <= overall[k] <= 1.0 for k in overall if k != "n")
    stored = json.loads((code_run / "eval" / "samples" / "humaneval_tuned.json").read_text())
    assert [len(s) for s in stored["samples"]] == [2, 2, 2, 2]
    assert "HumanEval+ pass@1" in (code_run / "eval" / "report.md").read_text()
    unit = report["splits"]["unit_focal"]  # the tests it writes for held-out focal functions
    assert unit["n_examples"] == 4 and unit["metrics"][0] == "mutation score"
    for name in ("base", "tuned"):
        overall = unit["systems"][name]["overall"]
        assert all(0.0 <= overall[k] <= 1.0 for k in unit["metrics"])
        assert overall["parses"] >= overall["runs"] >= overall["passes"]

    again = run_cli("eval", "code", "--run", str(code_run))
    assert again.returncode == 0 and again.stderr.count("reusing") == 4  # base and tuned samples of both splits


def test_more_samples_are_drawn_again_not_reused(code_run):
    proc = run_cli("eval", "code", "--run", str(code_run), "eval.samples=3", "eval.max_samples=2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((code_run / "eval" / "report.json").read_text())
    assert report["splits"]["humaneval"]["n_examples"] == 2 and "reusing" not in proc.stderr


def test_lm_eval_humaneval_task_scores_in_the_sandbox(code_run):
    import subprocess
    import sys

    from tests.conftest import REPO

    proc = subprocess.run([sys.executable, "-m", "judges.lm_eval_run", "--domain", "code", "--run", str(code_run),
                           "--backend", "hf", "--limit", "2"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((code_run / "lm_eval" / "results_hf.json").read_text())
    assert report["task"] == "humaneval_sandboxed"
    for system in report["systems"].values():
        assert system["metrics"] == ["humaneval_pass@1", "humaneval_plus_pass@1"]
        assert system["gen_kwargs"]["until"][-1] == "\n```"  # the recipe's stop, after the model's own
        assert system["overall"]["n"] == 2 and all(a["humaneval_pass@1"] in (0.0, 1.0) for a in system["answers"])


def test_compare_trains_each_method_and_adds_zero_and_few_shot_baselines(tmp_path):
    out, reports = tmp_path / "cmp", tmp_path / "reports"
    proc = run_cli("compare", "code", "--methods", "lora,apt", "--config", "tiny", "--output", str(out),
                   env={"COOKBOOK_REPORTS_DIR": str(reports)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert [r["system"] for r in report["rows"]] == ["base, zero-shot", "base, 3-shot ICL", "lora", "apt"]
    assert report["rows"][2]["trainable_params"] > 0 and report["rows"][2]["peak_rss_mb"] > 0
    for row in report["rows"]:
        assert set(row["splits"]["humaneval"]["overall"]) == {"HumanEval pass@1", "HumanEval+ pass@1", "n"}
    icl = json.loads((out / "base-3-shot" / "samples_humaneval.json").read_text())
    assert len(icl["key"]["shots"]) == 3  # the demonstrations the ICL row was sampled with
    assert (reports / "code" / "compare_tiny-gemma3.json").is_file()
    assert (reports / "code" / "compare_humaneval_pareto.png").is_file()
    assert (reports / "code" / "compare_unit_focal_pareto.png").is_file()  # mutation score vs parameters
    assert all("mutation score" in row["splits"]["unit_focal"]["overall"] for row in report["rows"])
    md = (reports / "code" / "compare.md").read_text()
    assert "| base, 3-shot ICL | 0 |" in md
    export = report["rows"][3]["export"]  # APT's merged, pruned model: smaller, timed against base + adapter
    assert export["params_after"] < export["params_before"] and "export" not in report["rows"][2]
    assert all(export["speed"][s]["tokens_per_s"] > 0 for s in ("base", "adapter", "exported"))
    assert f"| apt | {export['params_before']:,} | {export['params_after']:,} |" in md
