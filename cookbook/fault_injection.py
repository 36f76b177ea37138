"""Test hooks, off unless `COOKBOOK_FAULT` is set, so tests can prove what a killed or failing run leaves behind.

`COOKBOOK_FAULT=STEP:SIGNAL` (KILL, INT, TERM) sends SIGNAL to this process right after the checkpoint of STEP is
saved. `COOKBOOK_FAULT=STEP:ENOSPC` makes the disk fill up while the checkpoint of STEP is written: every
`torch.save` of that checkpoint writes into a file that takes 4 KiB and then fails with ENOSPC, exactly as a full
disk makes torch fail (`RuntimeError: [enforce fail at inline_container.cc:...]` over the OSError), and leaves
the part it wrote behind.
"""

from __future__ import annotations

import errno
import io
import os
import signal
from contextlib import contextmanager

from transformers import TrainerCallback

FAULT_ENV = "COOKBOOK_FAULT"
FULL_DISK = "ENOSPC"


def fault() -> tuple[int, str] | None:
    """(step, kind) of the requested fault, or None."""
    spec = os.environ.get(FAULT_ENV, "")
    if not spec:
        return None
    step, _, kind = spec.partition(":")
    return int(step), (kind or "KILL").upper()


class FaultInjectionCallback(TrainerCallback):
    def __init__(self, step: int, kind: str):
        self.step, self.signal = step, getattr(signal, f"SIG{kind}")

    def on_save(self, args, state, control, **kwargs):
        if state.global_step >= self.step:
            os.kill(os.getpid(), self.signal)


def signal_callback() -> FaultInjectionCallback | None:
    requested = fault()
    if requested is None or requested[1] == FULL_DISK:
        return None
    return FaultInjectionCallback(*requested)


class _FillingFile(io.RawIOBase):
    """A file on a disk with `room` bytes left: writes what fits, then raises ENOSPC."""

    def __init__(self, raw, room: int):
        self.raw, self.room = raw, room

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        if len(data) > self.room:
            self.raw.write(data[: self.room])
            self.raw.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.raw.name)
        self.room -= len(data)
        return self.raw.write(data)


@contextmanager
def full_disk_during(step: int):
    """Inside this block, `torch.save` fails as on a full disk if COOKBOOK_FAULT asks for it at `step`."""
    requested = fault()
    if requested is None or requested[1] != FULL_DISK or step < requested[0]:
        yield
        return
    import torch

    real_save = torch.save

    def save_onto_full_disk(obj, f, *args, **kwargs):
        with open(f, "wb") as raw:
            return real_save(obj, _FillingFile(raw, 4096), *args, **kwargs)

    torch.save = save_onto_full_disk
    try:
        yield
    finally:
        torch.save = real_save
