"""Resuming checks the new config against RUN/config.yaml (allow-list, max_steps extension) and only ever picks a
complete checkpoint."""

import pytest

from cookbook.config import RunConfig, save_config
from cookbook.errors import ConfigError
from cookbook.run_resume import check_resume, config_changes, last_checkpoint, may_change, resume_point


def saved_run(tmp_path, **train) -> tuple:
    run_dir = tmp_path / "run"
    (run_dir / "checkpoints" / "checkpoint-3").mkdir(parents=True)
    (run_dir / "checkpoints" / "checkpoint-3" / "trainer_state.json").write_text("{}")
    cfg = RunConfig(domain="telecom", output_dir=str(run_dir))
    cfg.peft.r, cfg.train.lr, cfg.train.max_steps = 4, 1e-3, 6
    save_config(cfg, run_dir / "config.yaml")
    return run_dir, cfg


def test_allow_list():
    for key in ("output_dir", "train.resume", "train.logging_steps", "train.save_steps", "eval.max_new_tokens",
                "eval.batch_size"):
        assert may_change(key), key
    for key in ("peft.r", "train.lr", "train.eval_steps", "data.eval_samples", "train.max_steps", "model.source",
                "evaluation", "train.seed"):
        assert not may_change(key), key


def test_config_changes_lists_every_differing_key():
    old = {"peft": {"r": 4, "method": "lora"}, "train": {"lr": 1e-3}}
    new = {"peft": {"r": 8, "method": "lora"}, "train": {"lr": 2e-3}, "extra": 1}
    assert config_changes(old, new) == [("extra", None, 1), ("peft.r", 4, 8), ("train.lr", 1e-3, 2e-3)]


def test_changed_rank_and_lr_are_refused_in_one_line(tmp_path):
    run_dir, cfg = saved_run(tmp_path)
    cfg.peft.r, cfg.train.lr = 8, 2e-3
    with pytest.raises(ConfigError) as err:
        check_resume(cfg, run_dir, str(run_dir / "checkpoints" / "checkpoint-3"))
    msg = str(err.value)
    assert f"{run_dir}: cannot resume checkpoint-3" in msg and "\n" not in msg
    assert "peft.r 4 -> 8, train.lr 0.001 -> 0.002" in msg
    assert "RESUME=0 (train.resume=never)" in msg and "new OUTPUT" in msg


def test_allowed_changes_and_a_longer_run_are_accepted_and_noted(tmp_path):
    run_dir, cfg = saved_run(tmp_path)
    cfg.train.logging_steps, cfg.eval.max_new_tokens, cfg.train.max_steps = 2, 8, 10
    cfg.output_dir = str(tmp_path / "moved")
    notes = check_resume(cfg, run_dir, str(run_dir / "checkpoints" / "checkpoint-3"))
    assert len(notes) == 2
    assert "train.logging_steps 5 -> 2" in notes[0] and "eval.max_new_tokens 96 -> 8" in notes[0]
    assert notes[1].startswith("Extended from 6 to 10 steps") and "re-planned" in notes[1]


def test_a_shorter_run_is_refused(tmp_path):
    run_dir, cfg = saved_run(tmp_path)
    cfg.train.max_steps = 4
    with pytest.raises(ConfigError, match="train.max_steps 6 -> 4"):
        check_resume(cfg, run_dir, str(run_dir / "checkpoints" / "checkpoint-3"))


def test_checkpoints_without_config_yaml_are_refused(tmp_path):
    run_dir, cfg = saved_run(tmp_path)
    (run_dir / "config.yaml").unlink()
    with pytest.raises(ConfigError, match="no config.yaml"):
        check_resume(cfg, run_dir, str(run_dir / "checkpoints" / "checkpoint-3"))


def test_last_checkpoint_skips_partial_ones(tmp_path):
    ckpts = tmp_path / "checkpoints"
    for name, complete in (("checkpoint-3", True), ("checkpoint-6", False), (".incomplete/checkpoint-9", True)):
        (ckpts / name).mkdir(parents=True)
        (ckpts / name / "adapter_model.safetensors").write_bytes(b"x")
        if complete:
            (ckpts / name / "trainer_state.json").write_text("{}")
    assert last_checkpoint(ckpts) == str(ckpts / "checkpoint-3")
    assert last_checkpoint(tmp_path / "missing") is None


def test_starting_over_removes_the_abandoned_checkpoints(tmp_path):
    run_dir, cfg = saved_run(tmp_path)
    cfg.train.resume, cfg.peft.r = "never", 8
    lines = []
    assert resume_point(cfg, run_dir, lines.append) == (None, {}, [])
    assert not (run_dir / "checkpoints").exists() and "removing" in lines[0]


def test_resume_point_checks_before_resuming(tmp_path):
    run_dir, cfg = saved_run(tmp_path)
    lines = []
    resume_from, previous, notes = resume_point(cfg, run_dir, lines.append)
    assert resume_from == str(run_dir / "checkpoints" / "checkpoint-3") and notes == []
    assert lines == [f"resuming from {resume_from}"]
    cfg.peft.r = 16
    with pytest.raises(ConfigError, match="peft.r 4 -> 16"):
        resume_point(cfg, run_dir, lines.append)
