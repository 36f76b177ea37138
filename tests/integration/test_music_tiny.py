"""The music recipe end to end on the random tiny MusicGen: train (LoRA and the conv adapter), the run contract,
resume of a finished run, eval with PCP metrics per test split. The corpus is the real seeded one (built once)."""

import json
from pathlib import Path

import pytest

from tests.conftest import read_metrics, run_cli, train_tiny

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def music_run(tmp_path_factory) -> Path:
    return train_tiny(tmp_path_factory, "music")


def test_train_writes_the_run_contract(music_run):
    m = read_metrics(music_run)
    assert m["completed"] is True and m["steps"] == 4 and m["method"] == "lora"
    assert 0 < m["trainable_params"] < m["total_params"]
    assert m["train_loss_first"] > 0 and m["eval_loss"] > 0 and m["train_tokens"] > 0
    assert json.loads((music_run / "adapter" / "adapter_config.json").read_text())["peft_type"] == "LORA"
    assert list((music_run / "tensorboard").glob("events.out.tfevents.*"))
    assert (music_run / "checkpoints").is_dir() and not (music_run / "checkpoints" / ".incomplete").exists()


def test_eval_scores_generated_clips_per_split(music_run):
    proc = run_cli("eval", "music", "--run", str(music_run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((music_run / "eval" / "report.json").read_text())
    assert set(report["splits"]) == {"heldout_test", "base_test"}
    for split, section in report["splits"].items():
        for system in ("base", "tuned"):
            overall = section[system]["overall"]
            assert overall["n"] == 2 and 0 <= overall["pcp_distance"] <= 1 and 0 <= overall["in_scale"] <= 1
            assert 0 <= overall["tempo_agreement"] <= 1 and 0 <= overall["onset_agreement"] <= 1
            assert overall["frechet"] >= 0 and "frechet" not in section[system]["by_group"][split_mode(section)]
            assert len(list((music_run / "eval" / split / system).glob("*.wav"))) == 2
            assert section[system]["clip_5s_s"] > 0  # one 5-second clip timed on its own
    md = (music_run / "eval" / "report.md").read_text()
    assert "pcp_distance" in md and "frechet" in md and "tempo_agreement" in md


def split_mode(section) -> str:
    return sorted(section["base"]["by_group"])[0]


def test_conv_adapter_trains_and_resumes(tmp_path):
    out = tmp_path / "conv"
    args = ("train", "music", "--config", "tiny", "peft.method=conv_adapter", "peft.adapter_size=small",
            "train.max_steps=2", "data.max_train_samples=4", "data.eval_samples=0", f"output_dir={out}")
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read_metrics(out)
    assert m["completed"] and m["method"] == "conv_adapter" and m["trainable_params"] > 0
    assert json.loads((out / "adapter" / "adapter_config.json").read_text())["peft_type"] == "SEQ_ADAPTER"
    longer = run_cli(*args[:-3], "train.max_steps=3", "data.max_train_samples=4", "data.eval_samples=0",
                     f"output_dir={out}")
    assert longer.returncode == 0, longer.stderr[-3000:]
    assert read_metrics(out)["steps"] == 3  # resumed from checkpoint-2, not retrained


def test_unknown_method_is_a_one_line_error(tmp_path):
    proc = run_cli("train", "music", "--config", "tiny", "peft.method=s2lora", f"output_dir={tmp_path / 'x'}")
    assert proc.returncode == 2 and "not supported for audio_lm" in proc.stderr and "Traceback" not in proc.stderr
