"""The fashion recipe end to end on the random tiny-sd pipeline: train NeRA a few steps (sample grids, TensorBoard,
checkpoints), resume past the end, evaluate base vs tuned, and reload the saved adapter."""

import json
from pathlib import Path

import pytest

from domains.fashion.attributes import ATTRIBUTES
from tests.conftest import read_metrics, run_cli, train_tiny

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fashion_run(tmp_path_factory) -> Path:
    return train_tiny(tmp_path_factory, "fashion")


def test_train_writes_the_run_contract_and_sample_grids(fashion_run):
    m = read_metrics(fashion_run)
    assert m["completed"] is True and m["steps"] == 4 and m["method"] == "nera"
    assert 0 < m["trainable_params"] < m["total_params"]
    assert m["train_loss_first"] > 0 and m["eval_loss"] > 0
    config = json.loads((fashion_run / "adapter" / "adapter_config.json").read_text())
    assert config["peft_type"] == "NERA" and config["grid_size"] == 3
    assert sorted(p.name for p in (fashion_run / "samples").glob("*.png")) == ["step-000002.png", "step-000004.png"]
    assert list((fashion_run / "tensorboard").glob("events.out.tfevents.*"))
    assert (fashion_run / "checkpoints" / "checkpoint-4").is_dir()


def test_a_longer_run_resumes_from_the_last_checkpoint(fashion_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(fashion_run, run)
    proc = run_cli("train", "fashion", "--config", "tiny", f"output_dir={run}", "train.max_steps=6")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resuming from" in proc.stderr and "checkpoint-4" in proc.stderr
    assert read_metrics(run)["steps"] == 6


def test_eval_compares_base_and_tuned_per_split(fashion_run):
    proc = run_cli("eval", "fashion", "--run", str(fashion_run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((fashion_run / "eval" / "report.json").read_text())
    assert set(report["splits"]) == {"style_test", "base_test"}
    for section in report["splits"].values():
        for system in ("base", "tuned"):
            assert section[system]["denoise_loss"] > 0 and section[system]["overall"]["n"] == 2
            overall = section[system]["overall"]
            assert 0 <= overall["colour_accuracy"] <= 1 and 0 <= overall["attribute_accuracy"] <= 1
            assert {f"acc_{a}" for a in ATTRIBUTES} <= set(overall) and overall["frechet_distance"] >= 0
            assert set(section[system]["classifier_heldout_accuracy"]) == {"base_test", "style_test"}
        assert (fashion_run / "eval" / section["grid"]).stat().st_size > 0
    assert report["metrics"]["frechet_distance"]["better"] == "lower"
    md = (fashion_run / "eval" / "report.md").read_text()
    assert "## style_test" in md and "| attribute accuracy (higher is better) |" in md
    assert "Fréchet distance (classifier) (lower is better)" in md and "held-out accuracy" in md


def test_a_pipeline_folder_trains_by_path(tmp_path):
    """model.source=/path: a diffusers pipeline folder (the tiny-sd pipeline saved under a name of our own), as a
    real Stable Diffusion checkpoint would be given."""
    import shutil

    from cookbook.models import MODEL_SOURCES

    folder = tmp_path / "my-sd"
    shutil.copytree(MODEL_SOURCES.get("tiny-sd").ensure(), folder)
    run = tmp_path / "run"
    proc = run_cli("train", "fashion", "--config", "tiny", f"output_dir={run}", f"model.source={folder}",
                   "train.max_steps=1", "diffusion.sample_every=0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read_metrics(run)
    assert m["completed"] is True and m["model_source"] == f"local folder {folder}"
