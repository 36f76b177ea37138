"""A uid of its own for each run (root only), held with a lock file for as long as the run lasts.

Why not `nobody`: it is shared. RLIMIT_NPROC counts all processes of a uid, so runs in parallel (and system
services that run as nobody) would eat one another's budget, and killing "everything of that uid" after a run
would kill theirs. A uid no account uses belongs to exactly one run: its process count is that run's, and any
process left with that uid afterwards is that run's to kill.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import threading
from collections.abc import Iterator

from cookbook.sandbox.workdir import mount_base

FIRST_UID = 1_900_000_000  # far above any account (and below 2**31, which some tools mishandle)
SLOTS = 999  # probe.PROBE_UID is FIRST_UID + 999
_taken: set[int] = set()  # flock is per open file, not per thread: threads of this process also check here
_lock = threading.Lock()


def _unused(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return False
    except KeyError:
        return True


@contextlib.contextmanager
def private_uid() -> Iterator[int]:
    """Yield a uid no other run (of this process or another) holds until the block ends."""
    locks = mount_base() / "uids"
    locks.mkdir(parents=True, exist_ok=True)
    for uid in range(FIRST_UID, FIRST_UID + SLOTS):
        with _lock:
            if uid in _taken or not _unused(uid):
                continue
            fd = os.open(locks / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            _taken.add(uid)
        try:
            yield uid
        finally:
            with _lock:
                _taken.discard(uid)
                os.close(fd)
        return
    raise RuntimeError(f"sandbox: all {SLOTS} private uids are in use")
