"""Checkpoints that are either complete or absent.

Trainer._save_checkpoint writes checkpoint-N file by file (adapter, optimizer, scheduler, RNG states, trainer
state). A full disk or a kill half-way leaves a folder that looks like a checkpoint and fails, or worse quietly
misbehaves, when resumed. With `AtomicCheckpoints` every checkpoint is written under checkpoints/.incomplete/ and
renamed to checkpoints/checkpoint-N only once every process has written its part, so a checkpoint-N folder is
complete by construction. A write that fails stops the run with one line naming the path and the reason (torch's
own message on a full disk is `[enforce fail at inline_container.cc:672] . unexpected pos ...`), and the partial
checkpoint is deleted, which also gives the disk its space back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import torch
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, rotate_checkpoints

from cookbook.errors import CheckpointWriteError
from cookbook.fault_injection import full_disk_during
from cookbook.run_resume import last_checkpoint

STAGING_DIR = ".incomplete"  # not `checkpoint-*`, so neither Trainer's resume nor its rotation ever sees it
LOW_SPACE_BYTES = 64 * 2**20  # below this much free space a failed write is a full disk


def _write_errors() -> tuple[type[BaseException], ...]:
    from safetensors import SafetensorError

    # torch reports a failed write as RuntimeError, safetensors as SafetensorError, Python files as OSError.
    return OSError, RuntimeError, SafetensorError


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def write_failure(exc: BaseException, folder: Path) -> tuple[str, str]:
    """(the file that could not be written or "", why) for a failed checkpoint write into `folder`.

    torch writing to a path says only `file write failed` / `unexpected pos`, without errno; then a nearly full
    filesystem is the explanation, and anything else is reported as the library's own first line."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno:
            name = Path(e.filename).name if isinstance(e.filename, str) else ""
            return name, e.strerror or os.strerror(e.errno)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "No space left on device" in text or "os error 28" in text:
        return "", "No space left on device"
    probe = next((p for p in (folder, *folder.parents) if p.exists()), None)
    free = shutil.disk_usage(probe).free if probe is not None else None
    if free is not None and free < LOW_SPACE_BYTES:
        return "", f"No space left on device: {free // 2**20} MiB free"
    return "", f"{type(exc).__name__}: {text}"


def publish(staging: Path, final: Path) -> None:
    """Rename a complete checkpoint into place; a folder already there under that name (a run restarted over
    this directory) is moved aside first, since a directory rename cannot replace a non-empty directory."""
    old = staging.parent / f"replaced-{final.name}"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    try:
        staging.parent.rmdir()  # only when nothing else is in it
    except OSError:
        pass


class AtomicCheckpoints:
    """Mixin for transformers Trainer subclasses (list it before the Trainer class): checkpoints are written
    under a temporary name and renamed into place when complete. `add_checkpoint_writer(fn)` adds files to every
    checkpoint before it is published: `fn(folder, state)`, called on the main process."""

    _writing_checkpoint = False

    def add_checkpoint_writer(self, write: Callable) -> None:
        self.__dict__.setdefault("_checkpoint_writers", []).append(write)

    def _get_output_dir(self, trial):
        root = super()._get_output_dir(trial)
        return os.path.join(root, STAGING_DIR) if self._writing_checkpoint else root

    def _save_checkpoint(self, model, trial):
        root = Path(super()._get_output_dir(trial))
        name = f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
        staging, final = root / STAGING_DIR / name, root / name
        if self.args.should_save:
            shutil.rmtree(staging, ignore_errors=True)  # what a killed save left behind
        self.accelerator.wait_for_everyone()  # every rank writes its RNG state into the staging folder
        failure = None
        self._writing_checkpoint = True
        try:
            with full_disk_during(self.state.global_step):
                super()._save_checkpoint(model, trial)
                if self.args.should_save:
                    for write in self.__dict__.get("_checkpoint_writers", []):
                        write(staging, self.state)
        except _write_errors() as exc:
            failure = exc
        finally:
            self._writing_checkpoint = False
        if self._failed_on_any_process(failure is not None):
            raise self._write_error(failure, staging, final, root)
        if self.args.should_save:
            publish(staging, final)
            # Trainer rotated only the staging folder; keep save_total_limit among the published checkpoints.
            rotate_checkpoints(output_dir=str(root), save_total_limit=self.args.save_total_limit,
                               best_model_checkpoint=self.state.best_model_checkpoint, use_mtime=True)
        self.accelerator.wait_for_everyone()

    def _failed_on_any_process(self, failed: bool) -> bool:
        if self.accelerator.num_processes == 1:
            return failed
        flag = torch.tensor([int(failed)], device=self.accelerator.device)
        return bool(self.accelerator.reduce(flag, reduction="sum").item())

    def _write_error(self, failure, staging: Path, final: Path, root: Path) -> CheckpointWriteError:
        if failure is None:
            return CheckpointWriteError(f"{final}: another process could not write its part of this checkpoint "
                                        "(see its message)")
        file, why = write_failure(failure, staging)
        if self.args.should_save:
            shutil.rmtree(staging.parent, ignore_errors=True)
        previous = last_checkpoint(root)
        resume = f"resume from {Path(previous).name}" if previous else "start again (no complete checkpoint yet)"
        what = f"could not write {file}" if file else "could not write"
        return CheckpointWriteError(f"{final}: {what} ({why}); free space and run the same command to {resume}")
