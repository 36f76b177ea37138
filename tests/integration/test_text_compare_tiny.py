"""`make compare DOMAIN=telecom` on the tiny config: LoRA and APT (a salience method, the one that exports a pruned
model) trained a few steps each in their own process, the base answered once, every system scored; the report's
numbers are the run directories' own, and a second compare, after `cookbook eval` on one run, reuses the runs, the
stored answers and that eval's answers."""

import json
import shutil

import pytest

from cookbook.config import load_config
from cookbook.discovery import get_recipe
from cookbook.runs import METRIC_KEYS
from tests.conftest import read_metrics, run_cli

pytestmark = pytest.mark.integration
ARGS = ("compare", "telecom", "--config", "tiny", "--methods", "lora,apt")
OVERRIDES = ("train.max_steps=4", "peft.target_sparsity=0.5", "eval.max_samples=6")


def test_compare_reports_each_method_against_the_base_and_resumes(tmp_path):
    out, reports = tmp_path / "cmp", tmp_path / "reports"
    env = {"COOKBOOK_REPORTS_DIR": str(reports)}
    proc = run_cli(*ARGS, "--output", str(out), *OVERRIDES, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert [r["system"] for r in report["rows"]] == ["base", "lora", "apt"]
    assert report["n_examples"] == 6 and report["metrics"] == ["rougeL", "token_f1"]
    assert report["budget"]["max_steps"] == 4 and report["base_model"] == "tiny-gemma3"

    base_answers = json.loads((out / "base" / "answers.json").read_text())
    recipe = get_recipe("telecom")
    examples = recipe.load_examples(load_config(out / "lora" / "config.yaml").data, "test")[:6]
    assert base_answers["key"]["ids"] == [e.id for e in examples]
    assert report["rows"][0]["overall"] == recipe.score(base_answers["samples"], examples)["overall"]
    for row in report["rows"][1:]:
        m = read_metrics(out / row["system"])
        assert m["completed"] is True and m["steps"] == 4 and m["method"] == row["system"]
        for key in ("trainable_params", "total_params", "train_runtime_s", "peak_rss_mb", "eval_loss"):
            assert key in METRIC_KEYS and row[key] == m[key] and row[key] > 0, key
        stored = json.loads((out / row["system"] / "compare" / "answers.json").read_text())
        assert stored["key"]["ids"] == base_answers["key"]["ids"] and len(stored["samples"]) == 6
        assert row["generation_s"] == stored["seconds"]
        assert row["overall"] == recipe.score(stored["samples"], examples)["overall"]
        for k in report["metrics"]:
            lo, hi = row["intervals"][k]
            assert lo <= row["overall"][k] <= hi
            assert row["delta"][k]["value"] == pytest.approx(row["overall"][k] - report["rows"][0]["overall"][k])
    assert report["rows"][0]["trainable_params"] == 0 and "delta" not in report["rows"][0]

    apt = report["rows"][2]
    units = read_metrics(out / "apt")["apt"]["units"]
    export = apt["export"]
    assert export["ffn_neurons_kept"] == units["neurons"]["kept"] < export["ffn_neurons_before"]
    assert export["heads_kept"] == units["heads"]["kept"] and export["params_after"] < export["params_before"]
    for system in ("base", "adapter", "exported"):
        speed = export["speed"][system]
        assert speed["tokens"] == export["prompts"] * export["new_tokens"] and speed["tokens_per_s"] > 0
    assert export["same_tokens_as_adapter"] >= 0.9  # the export computes what the adapter does
    assert "export" not in report["rows"][1]

    md = (out / "report.md").read_text()
    for row in report["rows"]:
        assert f"| {row['system']} | {row['trainable_params']:,} |" in md
    assert f"| apt | {export['params_before']:,} | {export['params_after']:,} |" in md
    assert (out / "quality_vs_params.png").is_file()
    assert json.loads((reports / "telecom" / "compare_tiny-gemma3.json").read_text())["rows"] == report["rows"]
    assert "## `tiny-gemma3`" in (reports / "telecom" / "compare.md").read_text()
    assert (reports / "telecom" / "compare_rougeL_vs_params.png").is_file()

    # Resume: the runs and stored answers are reused; a run's own eval with the same decoding supplies its answers.
    ev = run_cli("eval", "telecom", "--run", str(out / "lora"))
    assert ev.returncode == 0, ev.stderr[-3000:]
    shutil.rmtree(out / "lora" / "compare")
    again = run_cli(*ARGS, "--output", str(out), *OVERRIDES, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stderr.count("finished run in") == 2 and "telecom --config tiny peft.method" not in again.stderr
    assert f"reusing the tuned answers of {out / 'lora' / 'eval' / 'report.json'}" in again.stderr
    assert f"reusing {out / 'apt' / 'compare' / 'export.json'}" in again.stderr
    second = json.loads((out / "report.json").read_text())
    lora_eval = json.loads((out / "lora" / "eval" / "report.json").read_text())
    assert second["rows"][1]["overall"] == lora_eval["systems"]["tuned"]["overall"]
    assert second["rows"][1]["answers_from"].endswith("eval/report.json")
    assert second["rows"][1]["overall"] == pytest.approx(report["rows"][1]["overall"])  # the same greedy answers
    assert second["rows"][0]["overall"] == report["rows"][0]["overall"]
    assert unstamped(second["rows"][2]) == unstamped(report["rows"][2])  # the apt row again, measured anew


def unstamped(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "measured"}


def test_compare_refuses_a_method_the_kind_cannot_train_before_training_anything(tmp_path):
    proc = run_cli("compare", "telecom", "--config", "tiny", "--methods", "lora,bitfit", "--output",
                   str(tmp_path / "cmp"))
    assert proc.returncode == 1 and "method 'bitfit' does not support text training" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "cmp").exists()
