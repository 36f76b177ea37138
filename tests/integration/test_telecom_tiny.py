"""The tiny telecom recipe end to end: train, run-directory contract, kill and resume, reload, eval report."""

import json
import math

import pytest
import torch

from cookbook.config import load_config
from cookbook.discovery import get_recipe
from cookbook.paths import repo_root
from cookbook.runs import METRIC_KEYS
from tests.conftest import read_metrics, run_cli

pytestmark = pytest.mark.integration
TINY = repo_root() / "domains" / "telecom" / "configs" / "tiny.yaml"


def test_run_directory_contract(tiny_run):
    assert (tiny_run / "adapter" / "adapter_config.json").is_file()
    assert (tiny_run / "adapter" / "adapter_model.safetensors").is_file()
    cfg = load_config(tiny_run / "config.yaml")  # fully resolved and still valid
    assert cfg.peft.method == "lora" and cfg.domain == "telecom"
    m = read_metrics(tiny_run)
    assert set(METRIC_KEYS) <= set(m)
    assert m["completed"] is True and m["steps"] == cfg.train.max_steps
    assert 0 < m["trainable_params"] < m["total_params"]
    for key in ("train_loss_first", "train_loss_last", "eval_loss", "train_tokens_per_s", "peak_rss_mb"):
        assert isinstance(m[key], float) and math.isfinite(m[key]) and m[key] > 0, key
    card = (tiny_run / "README.md").read_text()
    assert "tiny-gemma3" in card and m["weights_sha256"] in card


def test_run_directory_has_tensorboard_logs_and_a_loss_curve(tiny_run):
    events = list((tiny_run / "tensorboard").glob("events.out.tfevents.*"))
    assert events and all(e.stat().st_size > 0 for e in events)
    png = (tiny_run / "loss_curve.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    card = (tiny_run / "README.md").read_text()
    assert "](loss_curve.png)" in card and "](tensorboard/)" in card and "tensorboard --logdir" in card
    metrics = read_metrics(tiny_run)
    assert metrics["loss_curve"] == "loss_curve.png"
    # every logged (step, loss), the last one the run's last train loss: what comparisons draw convergence from
    train_losses = metrics["loss_history"]["loss"]
    assert train_losses and train_losses[-1][1] == metrics["train_loss_last"]
    assert [step for step, _ in train_losses] == sorted({step for step, _ in train_losses})
    # Checkpoints were published whole: nothing is left under the temporary name, and the lock is free again.
    assert not (tiny_run / "checkpoints" / ".incomplete").exists()
    from cookbook.run_lock import lock_run_dir

    lock_run_dir(tiny_run).release()


@pytest.mark.parametrize("signal_name, exit_code", [("KILL", -9), ("INT", 130)])
def test_interrupted_run_is_not_completed_and_resumes(tmp_path, signal_name, exit_code):
    out = tmp_path / "run"
    args = ("train", "telecom", "--config", "tiny", f"output_dir={out}")
    first = run_cli(*args, env={"COOKBOOK_FAULT": f"3:{signal_name}"})
    assert first.returncode == exit_code, first.stderr[-2000:]
    assert read_metrics(out)["completed"] is False
    assert (out / "checkpoints" / "checkpoint-3").is_dir()
    assert not (out / "adapter").exists()
    second = run_cli(*args)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "resuming from" in second.stderr and "checkpoint-3" in second.stderr
    m = read_metrics(out)
    assert m["completed"] is True and m["steps"] == 6
    # The resumed run's log history covers the steps trained before the interruption.
    assert m["train_loss_first"] is not None and m["train_runtime_s"] > 0


def test_saved_adapter_reloads_with_identical_outputs(tmp_path):
    from peft import PeftModel

    from cookbook.models import load_model, resolve_model
    from cookbook.tasks.text.train import build_trainer

    cfg = load_config(TINY, ["train.max_steps=2", "train.lr=0.01"])
    cfg.domain = "telecom"
    resolved = resolve_model(cfg.model.source)
    trainer, _, _ = build_trainer(cfg, get_recipe("telecom"), tmp_path, "lora", resolved)
    trainer.train()
    model = trainer.model.eval()
    ids = torch.tensor([[2, 40, 50, 60, 70, 80]])
    with torch.no_grad():
        trained = model(input_ids=ids).logits
        with model.disable_adapter():
            base = model(input_ids=ids).logits
    assert not torch.allclose(trained, base)
    model.save_pretrained(str(tmp_path / "adapter"))
    reloaded = PeftModel.from_pretrained(load_model(resolved), str(tmp_path / "adapter")).eval()
    with torch.no_grad():
        assert torch.allclose(reloaded(input_ids=ids).logits, trained, atol=1e-6)


def test_eval_writes_report_for_base_and_tuned(tiny_run):
    proc = run_cli("eval", "telecom", "--run", str(tiny_run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tiny_run / "eval" / "report.json").read_text())
    assert set(report["systems"]) == {"base", "tuned"}
    assert report["n_examples"] == 20 and len(report["answers"]) == 20
    for system in report["systems"].values():
        assert 0.0 <= system["overall"]["rougeL"] <= 1.0
        assert system["by_group"]  # per use-case breakdown
    md = (tiny_run / "eval" / "report.md").read_text()
    assert "ROUGE-L" in md and "rougeL_by_group.png" in md
    png = (tiny_run / "eval" / "rougeL_by_group.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_eval_without_a_run_fails_clearly(tmp_path):
    proc = run_cli("eval", "telecom", "--run", str(tmp_path))
    assert proc.returncode == 1 and "no metrics.json" in proc.stderr and "Traceback" not in proc.stderr
