"""Checkpoint writes: the reason a write failed, said in words; the simulated full disk fails as torch does on a
real one; publishing replaces a folder of the same name."""

import errno
import os
import shutil
from collections import namedtuple

import pytest
import torch

from cookbook.checkpoints import publish, write_failure
from cookbook.fault_injection import full_disk_during

TORCH_FULL_DISK = "[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598"
Usage = namedtuple("Usage", "total used free")


def test_the_simulated_full_disk_fails_like_torch_on_a_full_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_FAULT", "3:ENOSPC")
    target = tmp_path / "optimizer.pt"
    with full_disk_during(3), pytest.raises(RuntimeError, match="enforce fail at inline_container.cc") as err:
        torch.save({"w": torch.zeros(100_000)}, target)
    assert 0 < target.stat().st_size <= 4096  # the part that fitted stays on disk
    assert write_failure(err.value, tmp_path) == ("optimizer.pt", "No space left on device")
    torch.save({"w": torch.zeros(3)}, target)  # outside the block torch.save is itself again
    with full_disk_during(2):  # before the requested step nothing fails
        torch.save({"w": torch.zeros(3)}, target)


def test_a_bare_torch_error_on_a_full_filesystem_is_read_as_a_full_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(10**9, 10**9, 0))
    assert write_failure(RuntimeError(TORCH_FULL_DISK), tmp_path / "checkpoint-3") == (
        "", "No space left on device: 0 MiB free")


def test_other_failures_keep_their_own_words(tmp_path):
    assert write_failure(PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(tmp_path / "scheduler.pt")),
                         tmp_path) == ("scheduler.pt", "Permission denied")
    assert write_failure(RuntimeError(TORCH_FULL_DISK + "\nmore"), tmp_path) == (
        "", f"RuntimeError: {TORCH_FULL_DISK}")  # plenty of space here: not claimed to be a full disk


def test_publish_renames_into_place_and_replaces_a_stale_folder(tmp_path):
    staging, final = tmp_path / ".incomplete" / "checkpoint-3", tmp_path / "checkpoint-3"
    staging.mkdir(parents=True)
    (staging / "new").write_text("new")
    final.mkdir()
    (final / "old").write_text("old")
    publish(staging, final)
    assert sorted(p.name for p in final.iterdir()) == ["new"]
    assert not (tmp_path / ".incomplete").exists()
