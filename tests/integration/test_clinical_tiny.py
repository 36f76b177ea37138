"""The tiny clinical recipe end to end: SFT then DPO into one run directory, each stage a whole run directory, one run
card; the evaluation of base, SFT and SFT+DPO side by side; stages run one at a time, a DPO stage interrupted and
resumed, finished stages skipped; the lm-eval task through the hf backend; and the refusals: a DPO stage without SFT,
a bad preference file."""

import json
import math
import shlex
import shutil

import pytest

from cookbook.discovery import get_recipe
from cookbook.runs import METRIC_KEYS, finished_run
from cookbook.tasks.preference.stages import adapter_fingerprint
from tests.conftest import read_metrics, run_cli
from tests.integration.test_lm_eval_tiny import lm_eval_cli

pytestmark = pytest.mark.integration
TRAIN = ("train", "clinical", "--config", "tiny")
LM_EVAL_METRICS = ["fact_recall", "hallucination_rate", "leak_rate", "rougeL"]


@pytest.fixture(scope="module")
def clinical_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("clinical") / "run"
    proc = run_cli(*TRAIN, f"output_dir={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_both_stages_are_whole_run_directories_under_one_card(clinical_run):
    recipe = get_recipe("clinical")
    tiny = recipe.load_config("tiny")
    for stage, steps in (("sft", tiny.train.max_steps), ("dpo", tiny.dpo.max_steps)):
        folder = clinical_run / stage
        m = read_metrics(folder)
        assert set(METRIC_KEYS) <= set(m) and m["completed"] is True and m["steps"] == steps, stage
        assert (folder / "adapter" / "adapter_model.safetensors").is_file() and (folder / "README.md").is_file()
        assert (folder / "loss_curve.png").is_file() and list((folder / "checkpoints").glob("checkpoint-*"))
    assert not (clinical_run / "dpo" / "adapter" / "ref").exists()  # the reference copy is not saved
    dpo = read_metrics(clinical_run / "dpo")
    assert dpo["beta"] == tiny.dpo.beta and 0.0 <= dpo["eval_rewards_accuracy"] <= 1.0
    assert sum(dpo["train_pairs_by_kind"].values()) == dpo["train_examples"] == tiny.data.max_train_samples
    ref = json.loads((clinical_run / "dpo" / "reference.json").read_text())
    assert ref["sha256"] == adapter_fingerprint(clinical_run / "sft" / "adapter")
    top = read_metrics(clinical_run)
    assert top["completed"] is True and top["stages_finished"] == ["sft", "dpo"] and top["final_stage"] == "dpo"
    assert top["steps"] == dpo["steps"] and top["stages"]["sft"]["steps"] == tiny.train.max_steps
    adapter, _ = finished_run(clinical_run)  # what eval, demo, judge and lm-eval read: the SFT+DPO policy
    assert (adapter / "adapter_model.safetensors").read_bytes() == \
        (clinical_run / "dpo" / "adapter" / "adapter_model.safetensors").read_bytes()
    card = (clinical_run / "README.md").read_text()
    assert "](sft/README.md)" in card and "](dpo/README.md)" in card and "| metric | sft | dpo |" in card


def test_eval_reports_base_sft_and_dpo_with_intervals_directions_plot_and_filter(clinical_run):
    proc = run_cli("eval", "clinical", "--run", str(clinical_run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((clinical_run / "eval" / "report.json").read_text())
    assert list(report["systems"]) == ["base", "sft", "dpo"]
    n = get_recipe("clinical").load_config("tiny").eval.max_samples
    assert report["n_examples"] == n == len(report["answers"])
    for name, system in report["systems"].items():
        assert system["overall"]["n"] == n, name
        for key in ("fact_recall", "hallucination_rate", "leak_rate"):
            lo, hi = system["intervals"][key]
            assert lo <= system["overall"][key] <= hi, (name, key)
    assert report["directions"]["hallucination_rate"] == "lower" and report["directions"]["fact_recall"] == "higher"
    assert report["directions"]["length_ratio"] == "neither"
    assert list(report["differences"]) == ["sft - base", "dpo - sft"]
    diff = report["differences"]["dpo - sft"]["hallucination_rate"]
    assert diff["verdict"] in {"better", "worse", "same"} and len(diff["interval"]) == 2
    assert (clinical_run / "eval" / "tradeoff.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (clinical_run / "eval" / "report.md").read_text()
    assert "| metric | base | sft | dpo |" in md and "hallucination rate ↓" in md and "](tradeoff.png)" in md
    # Shown records pass through the filter: their headers' identifiers are caught and gone.
    assert report["shown_prompts_filter_caught"]["name"] >= 2 * n
    assert all(a["prompt"].startswith("PATIENT Name: [NAME], [NAME] | MRN: [MRN] | DOB: [DOB]")
               for a in report["answers"])

    # Each system's answers are kept with their settings: the same eval again generates nothing, other
    # settings generate again.
    again = run_cli("eval", "clinical", "--run", str(clinical_run))
    assert again.returncode == 0 and again.stderr.count("reusing") == 3, again.stderr[-2000:]
    assert json.loads((clinical_run / "eval" / "report.json").read_text())["answers"] == report["answers"]
    fewer = run_cli("eval", "clinical", "--run", str(clinical_run), f"eval.max_samples={n - 1}")
    assert fewer.returncode == 0 and "reusing" not in fewer.stderr


def test_lm_eval_task_through_the_hf_backend(clinical_run, tmp_path):
    """`make lm-eval DOMAIN=clinical`: the task registered from domains/clinical/lm_eval/, base and tuned (the
    final adapter), two held-out records, scored by the domain's exact metrics in the task's utils."""
    run = tmp_path / "run"
    shutil.copytree(clinical_run, run, ignore=shutil.ignore_patterns("checkpoints", "eval", "lm_eval"))
    proc = lm_eval_cli("--domain", "clinical", "--run", str(run), "--backend", "hf", "--limit", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((run / "lm_eval" / "results_hf.json").read_text())
    assert report["task"] == "clinical" and report["include_path"] == "domains/clinical/lm_eval"
    assert set(report["systems"]) == {"base", "tuned"} and report["limit"] == 2
    for name, system in report["systems"].items():
        assert system["metrics"] == LM_EVAL_METRICS, name
        argv = shlex.split(system["command"])
        assert argv[argv.index("--system_instruction") + 1] == get_recipe("clinical").system_prompt
        overall = system["overall"]
        assert overall["n"] == 2 and len(system["answers"]) == 2, name
        for metric in LM_EVAL_METRICS:
            assert 0.0 <= overall[metric] <= 1.0, (name, metric)
            assert math.isclose(overall[metric], sum(a[metric] for a in system["answers"]) / 2, abs_tol=1e-9)
    assert "peft=" in report["systems"]["tuned"]["model_args"]
    assert set(report["delta"]) == set(LM_EVAL_METRICS)


def test_stages_one_at_a_time_with_dpo_interrupted_resumed_then_skipped(tmp_path):
    out = tmp_path / "run"
    sft = run_cli(*TRAIN, "train.stage=sft", f"output_dir={out}")
    assert sft.returncode == 0, sft.stderr[-3000:]
    top = read_metrics(out)
    assert top["stages_finished"] == ["sft"] and top["completed"] is False and not (out / "dpo").exists()
    assert finished_run(out)[0].joinpath("adapter_model.safetensors").read_bytes() == \
        (out / "sft" / "adapter" / "adapter_model.safetensors").read_bytes()
    killed = run_cli(*TRAIN, "train.stage=dpo", f"output_dir={out}", env={"COOKBOOK_FAULT": "1:INT"})
    assert killed.returncode == 130, killed.stderr[-3000:]
    assert read_metrics(out / "dpo")["completed"] is False and read_metrics(out)["stages_finished"] == ["sft"]
    resumed = run_cli(*TRAIN, "train.stage=dpo", f"output_dir={out}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming from" in resumed.stderr and "checkpoint-1" in resumed.stderr
    assert "stage sft" not in resumed.stderr  # STAGE=dpo neither trains nor checks off the SFT stage
    assert read_metrics(out)["completed"] is True
    sft_metrics = (out / "sft" / "metrics.json").read_text()
    both = run_cli(*TRAIN, f"output_dir={out}")
    assert both.returncode == 0, both.stderr[-3000:]
    assert "stage sft: finished" in both.stderr and "stage dpo: finished" in both.stderr
    assert "training into" not in both.stderr and (out / "sft" / "metrics.json").read_text() == sft_metrics


def test_dpo_stage_without_sft_says_so_in_one_line(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(*TRAIN, "train.stage=dpo", f"output_dir={out}")
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no finished SFT stage" in errors[0] and "STAGE=sft" in errors[0]
    assert not (out / "metrics.json").exists() and not (out / "dpo" / "metrics.json").exists()


def test_bad_preference_file_stops_before_training(tmp_path):
    recipe = get_recipe("clinical")
    cfg = recipe.load_config("tiny")
    pairs = recipe.load_preferences(cfg.data, "train", cfg.preferences)[:3]
    bad = tmp_path / "pairs.jsonl"
    rows = [{k: p[k] for k in ("id", "prompt", "chosen", "rejected", "kind")} for p in pairs]
    rows[1]["kind"] = "nonsense"
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "run"
    proc = run_cli(*TRAIN, f"data.train_file={bad}", f"output_dir={out}")
    assert proc.returncode == 2
    assert f"error: {bad}:2: kind: 'nonsense' is not one of" in proc.stderr
    assert not (out / "sft").exists() and not (out / "metrics.json").exists()
