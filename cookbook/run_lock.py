"""One `cookbook train` per run directory at a time.

The lock is `RUN/train.lock`, held with fcntl.flock on an open file descriptor. The kernel releases it when the
process ends, however it ends (SIGKILL included), so a crashed run never leaves a directory stuck and there is no
stale-lock cleanup to get wrong. The file's text (pid, host, start time) only feeds the refusal message; the lock
itself is the flock, never the file's existence.

Under `accelerate launch` every rank of one launch shares the run directory, so only the main process takes the
lock. The other ranks never touch the flock (they would refuse their own launch); they wait until the lock file
names their launch (its master address and port, which no two live launches share) before going on to load the
model. When their main process is refused instead, the launcher stops them while they wait, so no rank of a
refused launch loads a model.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from cookbook.errors import RunDirInUse
from cookbook.runs import is_main_process

LOCK_FILE = "train.lock"
LAUNCH_WAIT_S = 300.0  # a non-main rank waiting longer than this for its main process goes on (never fails)

_held: dict[str, RunLock] = {}  # resolved run directory -> the lock this process holds on it


class RunLock:
    def __init__(self, run_dir: Path, fd: int):
        self.run_dir, self.fd = run_dir, fd

    def release(self) -> None:
        """Closing the descriptor drops the flock. The text is cleared first, so a later launch's ranks never take
        a finished run's details for their own main process's."""
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = None
            _held.pop(str(self.run_dir.resolve()), None)


def launch_id() -> str:
    """The same for every rank of one launch: the rendezvous address (torchrun/accelerate set it), else this
    node's launcher process."""
    if os.environ.get("MASTER_ADDR") and os.environ.get("MASTER_PORT"):
        return f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}"
    return f"{socket.gethostname()}:{os.getppid()}"


def _read_info(path_or_fd) -> dict:
    try:
        if isinstance(path_or_fd, int):
            text = os.pread(path_or_fd, 4096, 0).decode("utf-8")
        else:
            text = Path(path_or_fd).read_text(encoding="utf-8")
        return json.loads(text or "{}")
    except (OSError, ValueError):
        return {}


def _wait_for_main_process(run_dir: Path) -> None:
    deadline, me = time.monotonic() + LAUNCH_WAIT_S, launch_id()
    while time.monotonic() < deadline:
        if _read_info(run_dir / LOCK_FILE).get("launch") == me:
            return
        time.sleep(0.2)


def _holder(fd: int) -> str:
    info = _read_info(fd)
    if not info.get("pid"):  # the holder locked but has not written its details yet
        return "pid unknown"
    return f"pid {info['pid']} on host {info.get('host', '?')}, since {info.get('started', '?')}"


def lock_run_dir(run_dir: Path) -> RunLock | None:
    """Take `run_dir`'s lock for this process, or raise RunDirInUse naming the holder. Non-main ranks of a
    multi-process launch get None once their main process holds the lock for the whole launch. A process that
    already holds the lock (an earlier in-process run that failed) gets it back instead of refusing itself."""
    if not is_main_process():
        _wait_for_main_process(Path(run_dir))
        return None
    run_dir = Path(run_dir)
    key = str(run_dir.resolve())
    if key in _held:
        return _held[key]
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise RunDirInUse(f"{run_dir}: another `cookbook train` is using this run directory ({holder}); wait for "
                          "it to finish or stop it, or train into another OUTPUT (output_dir=...)") from None
    info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "launch": launch_id()}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)
    _held[key] = RunLock(run_dir, fd)
    return _held[key]
