"""Run directories are safe, through the real CLI on the tiny telecom recipe: a second `cookbook train` into a busy
directory stops at once; a resume with a changed config stops with the differences; a full disk while saving a
checkpoint ends in one line, and the next run resumes from the last complete checkpoint, not the partial one."""

import socket
import subprocess
import sys

import pytest

from tests.conftest import REPO, read_metrics, run_cli
from tests.unit.test_run_lock import HOLD

pytestmark = pytest.mark.integration


def error_line(stderr: str) -> str:
    """The one `error: ...` message (a progress bar may share its terminal line), checked to be the only one."""
    lines = [line.split("error: ", 1)[1] for line in stderr.splitlines() if "error: " in line]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    return lines[0]


def train(out, *overrides, env=None):
    return run_cli("train", "telecom", "--config", "tiny", f"output_dir={out}", *overrides, env=env)


def test_a_second_train_into_a_busy_run_dir_stops_before_any_model(tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        proc = train(out)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert proc.returncode == 2
    msg = error_line(proc.stderr)
    assert msg.startswith(f"{out}: another `cookbook train` is using this run directory")
    assert f"pid {holder.pid} on host {socket.gethostname()}" in msg
    assert "base model:" not in proc.stderr and not (out / "config.yaml").exists()


def test_resume_with_a_changed_config_stops_and_allowed_changes_resume(tmp_path):
    out = tmp_path / "run"
    first = train(out, env={"COOKBOOK_FAULT": "3:KILL"})
    assert first.returncode == -9 and (out / "checkpoints" / "checkpoint-3").is_dir()

    refused = train(out, "peft.r=8", "train.lr=2e-3")
    assert refused.returncode == 2
    msg = error_line(refused.stderr)
    assert msg.startswith(f"{out}: cannot resume checkpoint-3")
    assert "peft.r 4 -> 8, train.lr 0.001 -> 0.002" in msg and "RESUME=0 (train.resume=never)" in msg
    assert "base model:" not in refused.stderr  # refused before the model is even resolved

    extended = train(out, "train.logging_steps=2", "eval.max_new_tokens=8", "train.max_steps=8")
    assert extended.returncode == 0, extended.stderr[-3000:]
    assert "resuming from" in extended.stderr and "checkpoint-3" in extended.stderr
    m = read_metrics(out)
    assert m["completed"] is True and m["steps"] == 8
    card = (out / "README.md").read_text()
    assert "Extended from 6 to 8 steps" in card and "train.logging_steps 1 -> 2" in card

    shorter = train(out, "train.max_steps=4")
    assert shorter.returncode == 2 and "train.max_steps 8 -> 4" in error_line(shorter.stderr)


def test_a_full_disk_while_saving_is_one_line_and_the_partial_checkpoint_is_never_resumed(tmp_path, tiny_run):
    out = tmp_path / "run"
    full = train(out, env={"COOKBOOK_FAULT": "6:ENOSPC"})
    assert full.returncode == 1
    msg = error_line(full.stderr)
    assert msg.startswith(f"{out / 'checkpoints' / 'checkpoint-6'}: could not write ")
    assert "(No space left on device); free space and run the same command to resume from checkpoint-3" in msg
    assert "inline_container" not in full.stderr
    checkpoints = sorted(p.name for p in (out / "checkpoints").iterdir() if p.is_dir())
    assert checkpoints == ["checkpoint-3"]  # no checkpoint-6, and the partial one was removed
    assert read_metrics(out)["completed"] is False

    again = train(out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"resuming from {out / 'checkpoints' / 'checkpoint-3'}" in again.stderr
    m, uninterrupted = read_metrics(out), read_metrics(tiny_run)
    assert m["completed"] is True and m["steps"] == 6
    # Resumed from a complete checkpoint, the run ends exactly where an uninterrupted one does.
    for key in ("train_loss_first", "train_loss_last", "eval_loss"):
        assert m[key] == uninterrupted[key], key
